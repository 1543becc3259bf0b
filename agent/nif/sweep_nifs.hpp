// The NIFs of the paced sweep (beamscope_sweep drives them): begin, chunk,
// grow, end, the hot set and the sweep's own statistics. Each returns in
// well under 1 ms except sweep_grow and sweep_load, which run on a dirty
// CPU scheduler.
#pragma once

#include <cstdint>

#include <erl_nif.h>

namespace beamscope::agent {

class AgentState;

/// The AgentState behind a resource term, or nullptr (defined in nif_entry.cpp).
AgentState* state_of(ErlNifEnv* env, ERL_NIF_TERM term);
/// A local pid term from its key (the pid term's value).
ERL_NIF_TERM make_local_pid(ErlNifEnv* env, std::uint64_t key);

ERL_NIF_TERM nif_sweep_begin(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_sweep_chunk(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_sweep_grow(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_sweep_load(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_sweep_stage(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_sweep_load_staged(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_sweep_next(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_sweep_end(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_sweep_hot(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_sweep_stats(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);

/// Longer chunks would break the < 1 ms rule; sweep_chunk refuses them.
inline constexpr unsigned kMaxChunkItems = 20000;

}  // namespace beamscope::agent
