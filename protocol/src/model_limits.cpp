// Names and checks of the model limits (see model_limits.hpp).
#include "beamscope/protocol/model_limits.hpp"

namespace beamscope::protocol {

namespace {

std::optional<std::string> in_range(const char* name, std::size_t value, std::size_t largest) {
  if (value >= 1 && value <= largest) return std::nullopt;
  return std::string(name) + " must be 1.." + std::to_string(largest) + ", got " + std::to_string(value);
}

}  // namespace

std::optional<std::string> check(const ModelLimits& l) {
  const ModelLimits& top = kLargestLimits;
  if (auto e = in_range("max_nodes", l.max_nodes, top.max_nodes)) return e;
  if (auto e = in_range("max_processes", l.max_processes, top.max_processes)) return e;
  if (auto e = in_range("max_tree_entries", l.max_tree_entries, top.max_tree_entries)) return e;
  return in_range("max_events", l.max_events, top.max_events);
}

const char* to_string(Cut c) {
  switch (c) {
    case Cut::kProcesses: return "processes";
    case Cut::kTreeEntries: return "tree_entries";
    case Cut::kEvents: return "events";
    case Cut::kNodes: return "nodes";
  }
  return "unknown";
}

std::uint64_t CutCounts::total() const {
  std::uint64_t sum = 0;
  for (auto v : by) sum += v;
  return sum;
}

CutCounts& CutCounts::operator+=(const CutCounts& o) {
  for (std::size_t i = 0; i < kCutKinds; ++i) by[i] += o.by[i];
  return *this;
}

}  // namespace beamscope::protocol
