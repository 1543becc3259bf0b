// Per-node and per-fleet caps of the node model: deltas that add entries
// frame after frame stop at the cap, entries already held keep updating,
// removals make room, what is cut is counted by reason, and a trimmed frame
// applied elsewhere gives the same state.
#include <gtest/gtest.h>

#include "beamscope/protocol/model_limits.hpp"
#include "beamscope/protocol/node_model.hpp"
#include "test_frames.hpp"

namespace beamscope::protocol {
namespace {

using beamscope::testing::delta_envelope;
using beamscope::testing::keyframe_envelope;
using beamscope::testing::sample;

std::string pid(int i) { return "<0." + std::to_string(i) + ".0>"; }

TreeNode tree_node(const std::string& id) {
  TreeNode n;
  n.set_id(id);
  return n;
}

v1::Event event(std::uint64_t id) {
  v1::Event e;
  e.set_id(id);
  return e;
}

// A delta upserting processes first..first+n-1 (pids), tree entries of the
// same numbers, and events with ids first..first+n-1.
Envelope growing_delta(std::uint64_t seq, int first, int n) {
  auto d = delta_envelope("n", seq);
  for (int i = first; i < first + n; ++i) {
    *d.mutable_delta()->add_upserted() = sample(pid(i), static_cast<std::uint64_t>(i));
    *d.mutable_delta()->add_tree_upserted() = tree_node("app/" + std::to_string(i));
    *d.mutable_delta()->add_events() = event(static_cast<std::uint64_t>(i));
  }
  return d;
}

constexpr ModelLimits kSmall{.max_nodes = 2, .max_processes = 10, .max_tree_entries = 15, .max_events = 5};

TEST(ModelLimits, DeltasStopAtTheCapsAndCountWhatTheyCut) {
  NodeModel m(kSmall);
  ASSERT_EQ(m.apply(keyframe_envelope("n", 1, 1)), ApplyResult::kApplied);
  // 8 deltas of 4 new entries each: 32 new processes, tree entries, events.
  for (int k = 0; k < 8; ++k) ASSERT_EQ(m.apply(growing_delta(2 + k, 1 + 4 * k, 4)), ApplyResult::kApplied);
  auto snap = m.snapshot();
  EXPECT_EQ(m.hot_count(), 10u);
  EXPECT_EQ(snap->processes_size(), 10);
  EXPECT_EQ(m.tree().size(), 15u);
  ASSERT_EQ(snap->events_size(), 5);
  EXPECT_EQ(snap->events(4).id(), 32u);  // the newest are kept
  EXPECT_EQ(m.cut()[Cut::kProcesses], 32u - 10u);
  EXPECT_EQ(m.cut()[Cut::kTreeEntries], 32u - 15u);
  EXPECT_EQ(m.cut()[Cut::kEvents], 32u - 5u);
  EXPECT_EQ(m.cut()[Cut::kNodes], 0u);
  // The first come are the ones kept.
  EXPECT_EQ(m.top(SortKey::kMailbox, 1).front().pid(), pid(10));
  EXPECT_EQ(m.tree().count("app/16"), 0u);
  EXPECT_EQ(m.tree().count("app/15"), 1u);
}

TEST(ModelLimits, HeldEntriesUpdateAndRemovalsMakeRoom) {
  NodeModel m(kSmall);
  ASSERT_EQ(m.apply(keyframe_envelope("n", 1, 1)), ApplyResult::kApplied);
  ASSERT_EQ(m.apply(growing_delta(2, 1, 10)), ApplyResult::kApplied);  // full: pids 1..10
  EXPECT_EQ(m.cut()[Cut::kProcesses], 0u);

  // At the cap: an update of a held pid is kept, a new pid is cut.
  auto d = delta_envelope("n", 3);
  *d.mutable_delta()->add_upserted() = sample(pid(3), 999);
  *d.mutable_delta()->add_upserted() = sample(pid(11), 1);
  ASSERT_EQ(m.apply(d), ApplyResult::kApplied);
  EXPECT_EQ(m.top(SortKey::kMailbox, 1).front().pid(), pid(3));
  EXPECT_EQ(m.hot_count(), 10u);
  EXPECT_EQ(m.cut()[Cut::kProcesses], 1u);

  // Two removed in the same delta: room for two new ones (the first two),
  // a repeat of a taken pid costs no room, the third new one is cut.
  auto r = delta_envelope("n", 4);
  r.mutable_delta()->add_removed(pid(1));
  r.mutable_delta()->add_removed(pid(2));
  r.mutable_delta()->add_removed(pid(2));     // twice: still one entry
  r.mutable_delta()->add_removed("<0.77.0>"); // not held: frees nothing
  *r.mutable_delta()->add_upserted() = sample(pid(12), 1);
  *r.mutable_delta()->add_upserted() = sample(pid(12), 2);
  *r.mutable_delta()->add_upserted() = sample(pid(13), 1);
  *r.mutable_delta()->add_upserted() = sample(pid(14), 1);
  ASSERT_EQ(m.apply(r), ApplyResult::kApplied);
  EXPECT_EQ(m.hot_count(), 10u);
  EXPECT_EQ(m.cut()[Cut::kProcesses], 2u);
  const auto top = m.top(SortKey::kMailbox, 100);
  auto has = [&](const std::string& p) {
    return std::any_of(top.begin(), top.end(), [&](const ProcessSample& s) { return s.pid() == p; });
  };
  EXPECT_TRUE(has(pid(12)));
  EXPECT_TRUE(has(pid(13)));
  EXPECT_FALSE(has(pid(14)));
  EXPECT_FALSE(has(pid(1)));

  // Removed and upserted again in one delta: new again, and it fits.
  auto again = delta_envelope("n", 5);
  again.mutable_delta()->add_removed(pid(4));
  *again.mutable_delta()->add_upserted() = sample(pid(4), 4);
  ASSERT_EQ(m.apply(again), ApplyResult::kApplied);
  EXPECT_EQ(m.hot_count(), 10u);
  EXPECT_EQ(m.cut()[Cut::kProcesses], 2u);
}

TEST(ModelLimits, KeyframesAreCutInFrameOrderAndTheirEventsAreNotCounted) {
  NodeModel m(kSmall);
  auto kf = keyframe_envelope("n", 1, 100);
  for (int i = 1; i <= 30; ++i) {
    *kf.mutable_keyframe()->add_processes() = sample(pid(i), static_cast<std::uint64_t>(100 - i));
    *kf.mutable_keyframe()->add_tree() = tree_node("t/" + std::to_string(i));
    *kf.mutable_keyframe()->add_events() = event(static_cast<std::uint64_t>(i));
  }
  ASSERT_EQ(m.apply(kf), ApplyResult::kApplied);
  EXPECT_EQ(m.hot_count(), 10u);
  EXPECT_EQ(m.tree().size(), 15u);
  EXPECT_EQ(m.snapshot()->events_size(), 5);
  EXPECT_EQ(m.cut()[Cut::kProcesses], 20u);
  EXPECT_EQ(m.cut()[Cut::kTreeEntries], 15u);
  // A keyframe repeats history: events it cannot hold are not news.
  EXPECT_EQ(m.cut()[Cut::kEvents], 0u);
  EXPECT_EQ(m.top(SortKey::kMailbox, 1).front().pid(), pid(1));
}

TEST(ModelLimits, TrimmedFrameGivesEveryReaderTheSameState) {
  NodeModel relay(kSmall), reader(kSmall);
  auto kf = keyframe_envelope("n", 1, 1);
  ASSERT_EQ(relay.apply_trimming(kf), ApplyResult::kApplied);
  ASSERT_EQ(reader.apply(kf), ApplyResult::kApplied);
  for (int k = 0; k < 6; ++k) {
    auto d = growing_delta(2 + k, 1 + 4 * k, 4);
    ASSERT_EQ(relay.apply_trimming(d), ApplyResult::kApplied);
    EXPECT_LE(d.delta().upserted_size(), 4);
    ASSERT_EQ(reader.apply(d), ApplyResult::kApplied);
  }
  EXPECT_EQ(relay.snapshot()->SerializeAsString(), reader.snapshot()->SerializeAsString());
  // The reader never had to cut anything the relay let through but events
  // (a ring: each reader pushes out its own oldest).
  EXPECT_EQ(reader.cut()[Cut::kProcesses], 0u);
  EXPECT_EQ(reader.cut()[Cut::kTreeEntries], 0u);
  EXPECT_EQ(relay.cut()[Cut::kProcesses], 24u - 10u);
}

TEST(ModelLimits, UntouchedFramesAreNotCopiedOrChanged) {
  NodeModel m;  // defaults: the largest a keyframe carries
  auto kf = keyframe_envelope("n", 1, 1);
  const std::string before = kf.SerializeAsString();
  ASSERT_EQ(m.apply_trimming(kf), ApplyResult::kApplied);
  auto d = growing_delta(2, 1, 100);
  const std::string delta_before = d.SerializeAsString();
  ASSERT_EQ(m.apply_trimming(d), ApplyResult::kApplied);
  EXPECT_EQ(kf.SerializeAsString(), before);
  EXPECT_EQ(d.SerializeAsString(), delta_before);
  EXPECT_EQ(m.cut().total(), 0u);
}

TEST(ModelLimits, StaleAndGappedDeltasCutNothing) {
  NodeModel m(kSmall);
  ASSERT_EQ(m.apply(keyframe_envelope("n", 5, 1)), ApplyResult::kApplied);
  auto stale = growing_delta(5, 1, 40);
  EXPECT_EQ(m.apply_trimming(stale), ApplyResult::kStale);
  auto gap = growing_delta(9, 1, 40);
  EXPECT_EQ(m.apply_trimming(gap), ApplyResult::kNeedKeyframe);
  EXPECT_EQ(stale.delta().upserted_size(), 40);
  EXPECT_EQ(m.cut().total(), 0u);
}

TEST(ModelLimits, FleetRefusesNodesPastTheCapWithoutAskingForKeyframes) {
  FleetModel f(kSmall);
  EXPECT_EQ(f.apply(keyframe_envelope("a", 1, 1)), ApplyResult::kApplied);
  EXPECT_EQ(f.apply(keyframe_envelope("b", 1, 1)), ApplyResult::kApplied);
  EXPECT_EQ(f.apply(keyframe_envelope("c", 1, 1)), ApplyResult::kRefused);
  // A delta of a node it could not take: no resync would help.
  EXPECT_EQ(f.apply(delta_envelope("c", 2)), ApplyResult::kRefused);
  EXPECT_EQ(f.size(), 2u);
  EXPECT_EQ(f.cut()[Cut::kNodes], 2u);
  // Known nodes go on; a node gone makes room.
  EXPECT_EQ(f.apply(delta_envelope("a", 2)), ApplyResult::kApplied);
  f.erase("b");
  EXPECT_EQ(f.apply(delta_envelope("c", 3)), ApplyResult::kNeedKeyframe);
  EXPECT_EQ(f.apply(keyframe_envelope("c", 3, 1)), ApplyResult::kApplied);
  EXPECT_EQ(f.cut()[Cut::kNodes], 2u);
  // Per-node cuts add up at the fleet, erased nodes' included.
  auto d = growing_delta(4, 1, 12);
  d.set_node("c");
  ASSERT_EQ(f.apply(d), ApplyResult::kApplied);
  f.erase("c");
  EXPECT_EQ(f.cut()[Cut::kProcesses], 2u);
  EXPECT_EQ(f.cut()[Cut::kEvents], 7u);
  EXPECT_EQ(f.cut().total(), 2u + 2u + 7u + 0u);
}

TEST(ModelLimits, ChecksAndNames) {
  EXPECT_FALSE(check(ModelLimits{}));
  EXPECT_FALSE(check(kLargestLimits));
  EXPECT_TRUE(check(ModelLimits{.max_nodes = 0}));
  EXPECT_TRUE(check(ModelLimits{.max_processes = limits::kMaxProcesses + 1}));
  EXPECT_EQ(*check(ModelLimits{.max_events = limits::kMaxEvents + 1}), "max_events must be 1..512, got 513");
  EXPECT_STREQ(to_string(Cut::kTreeEntries), "tree_entries");
  EXPECT_STREQ(to_string(Cut::kNodes), "nodes");
}

}  // namespace
}  // namespace beamscope::protocol
