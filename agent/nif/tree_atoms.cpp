#include "tree_atoms.hpp"

namespace beamscope::agent::tree_atoms {

#define BEAMSCOPE_TREE_ATOM_DEF(name) ERL_NIF_TERM name;
BEAMSCOPE_TREE_ATOMS(BEAMSCOPE_TREE_ATOM_DEF)
#undef BEAMSCOPE_TREE_ATOM_DEF

void init(ErlNifEnv* env) {
#define BEAMSCOPE_TREE_ATOM_INIT(name) name = enif_make_atom(env, #name);
  BEAMSCOPE_TREE_ATOMS(BEAMSCOPE_TREE_ATOM_INIT)
#undef BEAMSCOPE_TREE_ATOM_INIT
}

}  // namespace beamscope::agent::tree_atoms
