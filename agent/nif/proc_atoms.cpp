#include "proc_atoms.hpp"

namespace beamscope::agent::proc_atoms {

#define BEAMSCOPE_PROC_ATOM_DEF(name, ...) ERL_NIF_TERM name;
BEAMSCOPE_PROC_ATOMS(BEAMSCOPE_PROC_ATOM_DEF)
#undef BEAMSCOPE_PROC_ATOM_DEF

namespace {
constexpr const char* text(const char* name) { return name; }
constexpr const char* text(const char*, const char* given) { return given; }
}  // namespace

void init(ErlNifEnv* env) {
#define BEAMSCOPE_PROC_ATOM_INIT(name, ...) name = enif_make_atom(env, text(#name __VA_OPT__(, ) __VA_ARGS__));
  BEAMSCOPE_PROC_ATOMS(BEAMSCOPE_PROC_ATOM_INIT)
#undef BEAMSCOPE_PROC_ATOM_INIT
}

}  // namespace beamscope::agent::proc_atoms
