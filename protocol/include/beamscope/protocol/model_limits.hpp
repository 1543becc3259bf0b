// Bounds on the state a node model accumulates from a stream. limits.hpp
// bounds each frame; deltas can still add entries frame after frame, so
// every model (the collector's, a viewer's, the agent's own) also caps what
// it keeps per node and how many nodes it keeps, and counts what it cut.
//   FleetModel fleet({.max_nodes = 64, .max_processes = 1000});
//   fleet.apply(env);
//   fleet.cut()[Cut::kProcesses];  // entries refused so far
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "beamscope/protocol/limits.hpp"

namespace beamscope::protocol {

/// Events a node model keeps by default (the most recent ones) for late joiners.
inline constexpr std::size_t kKeptEvents = 256;

/// What a model keeps. The defaults are the largest state one keyframe can
/// carry (a larger one could not be served to a late joiner), and a node
/// count no fleet reader is expected to pass; programs may only lower them.
struct ModelLimits {
  std::size_t max_nodes = 4096;                          ///< nodes of a fleet
  std::size_t max_processes = limits::kMaxProcesses;     ///< hot-set processes per node
  std::size_t max_tree_entries = limits::kMaxTreeNodes;  ///< supervision tree entries per node
  std::size_t max_events = kKeptEvents;                  ///< newest events kept per node
};

/// The largest value each limit may be given (ModelLimits{} for all but
/// events: a keyframe carries up to limits::kMaxEvents of them).
inline constexpr ModelLimits kLargestLimits{.max_events = limits::kMaxEvents};

/// Checks every limit is in 1..kLargestLimits; the first problem, or nullopt.
std::optional<std::string> check(const ModelLimits& l);

/// Why an entry a frame carried was not kept.
enum class Cut : std::uint8_t {
  kProcesses,    ///< a new process past max_processes
  kTreeEntries,  ///< a new tree entry past max_tree_entries
  kEvents,       ///< an event pushed out by newer ones from a delta (past max_events)
  kNodes,        ///< a frame of a new node past max_nodes
};
inline constexpr std::size_t kCutKinds = 4;

/// Short stable name, used as the `reason` metric label: "processes",
/// "tree_entries", "events", "nodes".
const char* to_string(Cut c);

/// Entries cut, by reason; cumulative.
struct CutCounts {
  std::array<std::uint64_t, kCutKinds> by{};
  std::uint64_t& operator[](Cut c) { return by[static_cast<std::size_t>(c)]; }
  std::uint64_t operator[](Cut c) const { return by[static_cast<std::size_t>(c)]; }
  std::uint64_t total() const;
  CutCounts& operator+=(const CutCounts& o);
};

}  // namespace beamscope::protocol
