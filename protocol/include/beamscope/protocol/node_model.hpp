// The state of one node as rebuilt from its stream (keyframe + deltas), and
// of a fleet of nodes. Shared by the agent (to answer late joiners), the
// collector, the GUI and the CLI. Not thread-safe: one owner thread, which
// hands out immutable snapshots to others.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "beamscope.pb.h"

namespace beamscope::protocol {

using v1::Delta;
using v1::Envelope;
using v1::Keyframe;
using v1::ProcessSample;
using v1::TreeNode;

/// Events a node model keeps (the most recent ones) for late joiners.
inline constexpr std::size_t kKeptEvents = 256;

/// Column a top-K list is ordered by (descending).
enum class SortKey { kMailbox, kMemory, kReductions, kMinorGcs };

/// Parses "mailbox" | "memory" | "reductions" | "gc"; false when unknown.
bool parse_sort_key(const std::string& text, SortKey& out);

/// The value a process is ranked by for `key`.
std::uint64_t sort_value(const ProcessSample& p, SortKey key);

/// What applying one frame did.
enum class ApplyResult {
  kApplied,      ///< state changed
  kNeedKeyframe, ///< delta without a prior keyframe, or a sequence gap: ask for a keyframe
  kStale,        ///< older than or equal to the current sequence: ignored
  kIgnored,      ///< not a keyframe or delta
};

class NodeModel {
 public:
  /// Applies a keyframe (always accepted, resets state) or the next delta.
  ApplyResult apply(const Envelope& env);

  bool has_state() const { return has_keyframe_; }
  std::uint64_t seq() const { return seq_; }
  /// Producer timestamp of the last applied frame (unix us).
  std::int64_t updated_us() const { return updated_us_; }

  /// Full current state, rebuilt lazily after changes; immutable once returned.
  std::shared_ptr<const Keyframe> snapshot() const;

  /// Hot-set processes ordered by `key` (descending, ties by pid), at most `limit`.
  std::vector<ProcessSample> top(SortKey key, std::size_t limit) const;

  /// Number of processes in the hot set.
  std::size_t hot_count() const { return processes_.size(); }

  /// Supervision tree entries by id (ordered, so parents come before children).
  const std::map<std::string, TreeNode>& tree() const { return tree_; }

 private:
  void reset_from(const Keyframe& kf);
  void merge(const Delta& d);

  bool has_keyframe_ = false;
  std::uint64_t seq_ = 0;
  std::int64_t updated_us_ = 0;
  Keyframe base_;  // everything but processes
  std::unordered_map<std::string, ProcessSample> processes_;
  std::map<std::string, TreeNode> tree_;
  std::deque<v1::Event> events_;  // oldest first, at most kKeptEvents
  mutable std::shared_ptr<const Keyframe> cached_;
};

/// Many nodes by name (the collector, and viewers connected to a collector).
class FleetModel {
 public:
  /// Applies a frame to the model of env.node(); creates it on a keyframe.
  ApplyResult apply(const Envelope& env);
  void erase(const std::string& node) { nodes_.erase(node); }

  const NodeModel* find(const std::string& node) const;
  const std::map<std::string, NodeModel>& nodes() const { return nodes_; }
  std::size_t size() const { return nodes_.size(); }

 private:
  std::map<std::string, NodeModel> nodes_;
};

/// Delta taking `prev` to `next` (the producer side of the stream): gauges,
/// histogram, sweep, agent and tree stats, applications and monitor counters
/// are sent whole; processes and tree nodes are diffed; events newer than
/// prev's newest are sent.
Delta make_delta(const Keyframe& prev, const Keyframe& next);

}  // namespace beamscope::protocol
