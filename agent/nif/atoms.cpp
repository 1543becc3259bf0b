#include "atoms.hpp"

namespace beamscope::agent::atoms {

#define BEAMSCOPE_ATOM_DEF(name, ...) ERL_NIF_TERM name;
BEAMSCOPE_ATOMS(BEAMSCOPE_ATOM_DEF)
#undef BEAMSCOPE_ATOM_DEF

namespace {
// The text of an atom is its C++ name, unless a second argument gives it
// (for names that are C++ keywords).
constexpr const char* text(const char* name) { return name; }
constexpr const char* text(const char*, const char* given) { return given; }
}  // namespace

void init(ErlNifEnv* env) {
#define BEAMSCOPE_ATOM_INIT(name, ...) name = enif_make_atom(env, text(#name __VA_OPT__(, ) __VA_ARGS__));
  BEAMSCOPE_ATOMS(BEAMSCOPE_ATOM_INIT)
#undef BEAMSCOPE_ATOM_INIT
}

}  // namespace beamscope::agent::atoms
