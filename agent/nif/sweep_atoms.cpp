#include "sweep_atoms.hpp"

namespace beamscope::agent::sweep_atoms {

#define BEAMSCOPE_SWEEP_ATOM_DEF(name) ERL_NIF_TERM name;
BEAMSCOPE_SWEEP_ATOMS(BEAMSCOPE_SWEEP_ATOM_DEF)
#undef BEAMSCOPE_SWEEP_ATOM_DEF

void init(ErlNifEnv* env) {
#define BEAMSCOPE_SWEEP_ATOM_INIT(name) name = enif_make_atom(env, #name);
  BEAMSCOPE_SWEEP_ATOMS(BEAMSCOPE_SWEEP_ATOM_INIT)
#undef BEAMSCOPE_SWEEP_ATOM_INIT
}

}  // namespace beamscope::agent::sweep_atoms
