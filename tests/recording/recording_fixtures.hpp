// Helpers for the recording tests: a generated fleet written to a file,
// with the state every reader must rebuild (ground truth from applying
// the same frames to a FleetModel).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "beamscope/recording/reader.hpp"
#include "beamscope/recording/writer.hpp"
#include "fleet_gen.hpp"

namespace beamscope::testing {

inline std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("bsrec_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

/// Serialized snapshot of every node with state, by name.
inline std::map<std::string, std::string> fleet_state(const protocol::FleetModel& fleet) {
  std::map<std::string, std::string> out;
  for (const auto& [name, node] : fleet.nodes())
    if (node.has_state()) out[name] = std::to_string(node.seq()) + "|" + node.snapshot()->SerializeAsString();
  return out;
}

struct Written {
  std::string path;
  std::vector<std::int64_t> tick_us;                          ///< time of each tick's frames
  std::vector<std::map<std::string, std::string>> after_tick; ///< fleet state after each tick
  std::map<std::pair<std::string, std::uint64_t>, std::string> by_seq;  ///< node state after its frame seq
  recording::WriterStats stats;
};

/// Writes `ticks` ticks of `gen`, each frame at the tick's time.
inline Written write_fleet(const std::string& name, FleetGen& gen, int ticks,
                           const recording::WriterOptions& wopts = {}) {
  Written w;
  w.path = temp_path(name);
  std::filesystem::remove(w.path);
  std::string error;
  auto writer = recording::Writer::open(w.path, wopts, error);
  EXPECT_TRUE(writer) << error;
  if (!writer) return w;
  protocol::FleetModel truth(protocol::kLargestLimits);
  for (int k = 0; k < ticks; ++k) {
    for (const auto& env : gen.tick()) {
      EXPECT_TRUE(writer->append(env, gen.now_us()));
      truth.apply(env);
      const auto* node = truth.find(env.node());
      w.by_seq[{env.node(), env.seq()}] = std::to_string(node->seq()) + "|" + node->snapshot()->SerializeAsString();
    }
    w.tick_us.push_back(gen.now_us());
    w.after_tick.push_back(fleet_state(truth));
  }
  writer->close();
  w.stats = writer->stats();
  return w;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace beamscope::testing
