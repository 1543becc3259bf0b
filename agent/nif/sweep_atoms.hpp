// Atoms of the sweep NIFs and of the sweep/hot-set fields of a keyframe,
// made once at load. Only these fixed names ever become atoms.
#pragma once

#include <erl_nif.h>

namespace beamscope::agent::sweep_atoms {

#define BEAMSCOPE_SWEEP_ATOMS(X)                                                                   \
  X(grow) X(budget_ratio) X(cost_ratio) X(chunk_us_max) X(guarded_total) X(sweep_progress)          \
  X(tracked_processes) X(bytes_per_process) X(table_bytes) X(table_capacity) X(untracked_total)     \
  X(growing) X(applications)                                                                       \
  X(rising) X(top_mailbox_all) X(sweep_active) X(history_matched) X(wall) X(fresh_processes) X(sweep_period_us) \
  X(keyframe_bytes_total) X(delta_bytes_total)

#define BEAMSCOPE_SWEEP_ATOM_DECL(name) extern ERL_NIF_TERM name;
BEAMSCOPE_SWEEP_ATOMS(BEAMSCOPE_SWEEP_ATOM_DECL)
#undef BEAMSCOPE_SWEEP_ATOM_DECL

/// Creates every atom; called from load and upgrade.
void init(ErlNifEnv* env);

}  // namespace beamscope::agent::sweep_atoms
