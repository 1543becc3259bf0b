// Atoms of the process table's reads and of process requests (protocol
// 1.3), made once at load. Only these fixed names ever become atoms (and
// the schema's own field and enum names, in proto_terms.cpp).
#pragma once

#include <erl_nif.h>

namespace beamscope::agent::proc_atoms {

#define BEAMSCOPE_PROC_ATOMS(X)                                                                    \
  X(message_queue_len) X(reductions) X(heap_size) X(group_leader) X(registered_name) X(initial_call) \
  X(garbage_collection) X(minor_gcs) X(dictionary) X(dollar_initial_call, "$initial_call")         \
  X(beamscope_request) X(beamscope_inspect) X(processes) X(process) X(action) X(gc_wanted)           \
  X(total) X(swept) X(sweep_age_ms) X(slow_age_ms) X(gc_age_ms) X(gc_known) X(rows)

#define BEAMSCOPE_PROC_ATOM_DECL(name, ...) extern ERL_NIF_TERM name;
BEAMSCOPE_PROC_ATOMS(BEAMSCOPE_PROC_ATOM_DECL)
#undef BEAMSCOPE_PROC_ATOM_DECL

/// Creates every atom; called from load and upgrade.
void init(ErlNifEnv* env);

}  // namespace beamscope::agent::proc_atoms
