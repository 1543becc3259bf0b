// Turns the sampler's maps (see beamscope_gauges, beamscope_hot) into the
// protobuf Keyframe. Unknown keys are ignored, wrong types read as absent,
// repeated fields and strings are cut to protocol/limits.hpp.
#pragma once

#include <cstdint>

#include <erl_nif.h>

#include "beamscope.pb.h"
#include "hot_rates.hpp"
#include "sweep.hpp"

namespace beamscope::agent {

void read_node_info(ErlNifEnv* env, ERL_NIF_TERM map, v1::NodeInfo& out);
void read_gauges(ErlNifEnv* env, ERL_NIF_TERM map, v1::VmGauges& out);

/// Reads one hot-sample map; false when it has no local pid.
/// reductions_per_s is filled later from the sweep (fill_rates).
bool read_sample(ErlNifEnv* env, ERL_NIF_TERM map, v1::ProcessSample& out, std::uint64_t& pid_key);

/// The tick a list of hot samples was read in, and the history its rates
/// are taken against.
struct HotTick {
  HotHistory& history;
  std::int64_t now_us;  // monotonic
  std::uint64_t mailbox_alarm;
};

/// Reads the list of hot samples into `kf`, at most `limit` of them, with
/// reductions_per_s taken from the last sweep and the mailbox growth, time
/// to the alarm and minor GCs a second from `tick`'s history (the tick is
/// ended there: processes not in the list are forgotten).
void read_samples(ErlNifEnv* env, ERL_NIF_TERM list, const SweepResult& sweep, std::size_t limit, HotTick tick,
                  v1::Keyframe& kf);

/// Histogram, sweep stats and application totals from the last complete
/// sweep (its period: between the last two sweeps' beginnings), progress
/// and table size from the one under way; tick_cost_us, budget_ratio,
/// cost_ratio, chunk_us_max and guarded_total from the sampler's map.
void fill_sweep(ErlNifEnv* env, ERL_NIF_TERM stats_map, const Sweep& sweep, v1::Keyframe& kf);

}  // namespace beamscope::agent
