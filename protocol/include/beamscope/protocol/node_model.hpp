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
#include "beamscope/protocol/model_limits.hpp"

namespace beamscope::protocol {

using v1::Delta;
using v1::Envelope;
using v1::Keyframe;
using v1::ProcessSample;
using v1::TreeNode;

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
  kRefused,      ///< a new node past ModelLimits::max_nodes: dropped (counted as Cut::kNodes)
};

/// One node's state. Keeps at most `limits` processes, tree entries and
/// events: a frame's new entries past a cap are not kept (entries already
/// held are always updated and removed), and are counted in cut().
class NodeModel {
 public:
  explicit NodeModel(const ModelLimits& limits = {}) : limits_(limits) {}

  /// Applies a keyframe (always accepted, resets state) or the next delta.
  ApplyResult apply(const Envelope& env);
  /// The same, and leaves in `env` only what was kept, so a relay (the
  /// collector) forwards a frame every reader applies to the same state.
  ApplyResult apply_trimming(Envelope& env);

  /// Entries not kept so far, by reason (never kNodes: see FleetModel).
  const CutCounts& cut() const { return cut_; }
  const ModelLimits& limits() const { return limits_; }

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
  ApplyResult admit(const Envelope& env) const;
  bool may_pass_limits(const Envelope& env) const;
  void fit(Envelope& env);  // node_model_fit.cpp
  void commit(const Envelope& env);
  void reset_from(const Keyframe& kf);
  void merge(const Delta& d);

  ModelLimits limits_;
  CutCounts cut_;
  bool has_keyframe_ = false;
  std::uint64_t seq_ = 0;
  std::int64_t updated_us_ = 0;
  Keyframe base_;  // everything but processes
  std::unordered_map<std::string, ProcessSample> processes_;
  std::map<std::string, TreeNode> tree_;
  std::deque<v1::Event> events_;  // oldest first, at most limits_.max_events
  mutable std::shared_ptr<const Keyframe> cached_;
};

/// One node's state as a keyframe, for a reader on another thread (a
/// collector's server answering a viewer's Hello from its links' models).
struct NodeState {
  std::string node;
  std::uint64_t seq = 0;
  std::int64_t updated_us = 0;  ///< producer time of the last frame applied
  std::shared_ptr<const Keyframe> keyframe;

  /// The keyframe frame a viewer is sent (version, node, seq and the
  /// producer's timestamp set).
  Envelope envelope() const;
};

/// Many nodes by name (the collector, and viewers connected to a collector),
/// at most limits.max_nodes of them, each with the same per-node limits.
class FleetModel {
 public:
  explicit FleetModel(const ModelLimits& limits = {}) : limits_(limits) {}

  /// Applies a frame to the model of env.node(); creates it on a keyframe
  /// (kRefused past max_nodes, and for deltas of a node it could not take).
  ApplyResult apply(const Envelope& env);
  /// The same, trimming `env` to what was kept (see NodeModel).
  ApplyResult apply_trimming(Envelope& env);
  void erase(const std::string& node) { nodes_.erase(node); }

  /// Entries and frames not kept so far, by reason, over every node (erased ones included).
  const CutCounts& cut() const { return cut_; }
  const ModelLimits& limits() const { return limits_; }

  const NodeModel* find(const std::string& node) const;
  const std::map<std::string, NodeModel>& nodes() const { return nodes_; }
  /// Every node that has a state (a keyframe applied), by name.
  std::vector<NodeState> states() const;
  std::size_t size() const { return nodes_.size(); }

 private:
  template <typename Env>
  ApplyResult apply_to_node(Env& env);

  ModelLimits limits_;
  CutCounts cut_;
  std::map<std::string, NodeModel> nodes_;
};

/// Delta taking `prev` to `next` (the producer side of the stream): gauges,
/// histogram, sweep, agent and tree stats, applications and monitor counters
/// are sent whole; processes and tree nodes are diffed; events newer than
/// prev's newest are sent; alerts are sent whole when they changed.
Delta make_delta(const Keyframe& prev, const Keyframe& next);

}  // namespace beamscope::protocol
