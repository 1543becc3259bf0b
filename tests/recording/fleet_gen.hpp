// A generated fleet stream for the recording's tests and benchmark: nodes
// shaped like a real agent's (a hot set of ~150 processes whose numbers
// move every tick, a supervision tree, events now and then), each sending
// a delta a second and a keyframe every 10 s, as the agent does.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "beamscope.pb.h"

namespace beamscope::testing {

struct FleetGenOptions {
  int nodes = 2;
  int hot = 150;             ///< hot-set processes per node
  int tree = 120;            ///< supervision tree entries per node
  int keyframe_every = 10;   ///< ticks between keyframes (the agent's 10 s)
  int move_one_in = 3;       ///< a hot process's numbers move at a tick unless rng % move_one_in (1 in 3 move)
  int replace_one_in = 50;   ///< a hot process is replaced by a new one at a tick with 1 / this
  int node_processes = 5000; ///< the node's process count gauge (the hot set is what is sent)
  std::int64_t started_at_us = 0;  ///< NodeInfo.started_at_us when nonzero (uptime_ms counts ticks from it)
  std::int64_t start_us = 1'800'000'000'000'000;
  std::int64_t tick_us = 1'000'000;
};

class FleetGen {
 public:
  explicit FleetGen(const FleetGenOptions& opts);
  /// The frames of the next tick, one per node (node i stamped start + tick*k + i ms).
  std::vector<v1::Envelope> tick();
  /// Time of the frames tick() returned last.
  std::int64_t now_us() const { return now_us_; }
  const FleetGenOptions& options() const { return opts_; }

 private:
  struct Node {
    std::string name;
    v1::Keyframe state;
    std::uint64_t seq = 0;
    std::uint64_t next_pid = 0;
    std::uint64_t next_event = 1;
  };
  void evolve(Node& n);

  FleetGenOptions opts_;
  std::mt19937_64 rng_{42};
  std::vector<Node> nodes_;
  std::int64_t ticks_ = 0;
  std::int64_t now_us_ = 0;
};

}  // namespace beamscope::testing
