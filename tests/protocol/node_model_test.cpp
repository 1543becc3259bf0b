#include "beamscope/protocol/node_model.hpp"

#include <gtest/gtest.h>

#include "test_frames.hpp"

namespace beamscope::protocol {
namespace {

using beamscope::testing::delta_envelope;
using beamscope::testing::keyframe_envelope;
using beamscope::testing::sample;

TEST(NodeModel, DeltaBeforeKeyframeAsksForKeyframe) {
  NodeModel m;
  EXPECT_EQ(m.apply(delta_envelope("n", 1)), ApplyResult::kNeedKeyframe);
  EXPECT_FALSE(m.has_state());
}

TEST(NodeModel, AppliesKeyframeThenSequencedDeltas) {
  NodeModel m;
  auto kf = keyframe_envelope("n", 10, 100);
  *kf.mutable_keyframe()->add_processes() = sample("<0.1.0>", 5);
  *kf.mutable_keyframe()->add_processes() = sample("<0.2.0>", 50);
  ASSERT_EQ(m.apply(kf), ApplyResult::kApplied);

  auto d = delta_envelope("n", 11);
  d.mutable_delta()->mutable_gauges()->set_process_count(101);
  *d.mutable_delta()->add_upserted() = sample("<0.3.0>", 500);
  d.mutable_delta()->add_removed("<0.2.0>");
  ASSERT_EQ(m.apply(d), ApplyResult::kApplied);

  auto snap = m.snapshot();
  EXPECT_EQ(snap->gauges().process_count(), 101u);
  ASSERT_EQ(snap->processes_size(), 2);
  EXPECT_EQ(snap->processes(0).pid(), "<0.3.0>");
  EXPECT_EQ(snap->processes(1).pid(), "<0.1.0>");
  EXPECT_EQ(m.seq(), 11u);
}

TEST(NodeModel, GapAndStaleAreDetected) {
  NodeModel m;
  ASSERT_EQ(m.apply(keyframe_envelope("n", 10, 1)), ApplyResult::kApplied);
  EXPECT_EQ(m.apply(delta_envelope("n", 10)), ApplyResult::kStale);
  EXPECT_EQ(m.apply(delta_envelope("n", 12)), ApplyResult::kNeedKeyframe);
  // A keyframe always resyncs, even with a lower sequence (producer restart).
  EXPECT_EQ(m.apply(keyframe_envelope("n", 2, 7)), ApplyResult::kApplied);
  EXPECT_EQ(m.apply(delta_envelope("n", 3)), ApplyResult::kApplied);
  EXPECT_EQ(m.snapshot()->gauges().process_count(), 7u);
}

TEST(NodeModel, TopOrdersByKeyAndRespectsLimit) {
  NodeModel m;
  auto kf = keyframe_envelope("n", 1, 3);
  *kf.mutable_keyframe()->add_processes() = sample("<0.1.0>", 1, 900, 5);
  *kf.mutable_keyframe()->add_processes() = sample("<0.2.0>", 30, 100, 50);
  *kf.mutable_keyframe()->add_processes() = sample("<0.3.0>", 20, 500, 500);
  m.apply(kf);
  auto by_mailbox = m.top(SortKey::kMailbox, 2);
  ASSERT_EQ(by_mailbox.size(), 2u);
  EXPECT_EQ(by_mailbox[0].pid(), "<0.2.0>");
  EXPECT_EQ(by_mailbox[1].pid(), "<0.3.0>");
  EXPECT_EQ(m.top(SortKey::kMemory, 1)[0].pid(), "<0.1.0>");
  EXPECT_EQ(m.top(SortKey::kReductions, 10).size(), 3u);
  EXPECT_EQ(m.top(SortKey::kReductions, 10)[0].pid(), "<0.3.0>");
}

// A keyframe replaces the state whole: rows and tree entries it does not
// carry go, the ones it carries are exactly its own (the model updates
// the rows it holds in place), a pid it repeats counts once, its last.
TEST(NodeModel, KeyframeReplacesTheStateHeldBefore) {
  NodeModel m;
  auto first = keyframe_envelope("n", 1, 3);
  auto* k1 = first.mutable_keyframe();
  auto held = sample("<0.1.0>", 1, 900, 5);
  held.set_current_function("gen_server:loop/7");
  held.set_registered_name("held");
  *k1->add_processes() = held;
  *k1->add_processes() = sample("<0.2.0>", 2);
  *k1->add_processes() = sample("<0.3.0>", 3);
  for (const char* id : {"app", "app/sup", "app/sup/w"}) {
    auto* t = k1->add_tree();
    t->set_id(id);
    t->set_name(std::string(id) + "-name");
  }
  ASSERT_EQ(m.apply(first), ApplyResult::kApplied);

  auto second = keyframe_envelope("n", 5, 4);
  auto* k2 = second.mutable_keyframe();
  *k2->add_processes() = sample("<0.1.0>", 10);  // held: no function or name any more
  *k2->add_processes() = sample("<0.4.0>", 40);
  *k2->add_processes() = sample("<0.4.0>", 41);  // repeated: the last wins
  auto* t = k2->add_tree();
  t->set_id("app/sup");
  t->set_pid("<0.9.0>");
  ASSERT_EQ(m.apply(second), ApplyResult::kApplied);

  auto snap = m.snapshot();
  ASSERT_EQ(snap->processes_size(), 2);
  EXPECT_EQ(snap->processes(0).DebugString(), sample("<0.4.0>", 41).DebugString());
  EXPECT_EQ(snap->processes(1).DebugString(), sample("<0.1.0>", 10).DebugString());
  ASSERT_EQ(snap->tree_size(), 1);
  EXPECT_EQ(snap->tree(0).DebugString(), t->DebugString());
  EXPECT_EQ(m.hot_count(), 2u);

  // And back to a larger state, the same rows as a fresh model's.
  ASSERT_EQ(m.apply(first), ApplyResult::kApplied);
  NodeModel fresh;
  ASSERT_EQ(fresh.apply(first), ApplyResult::kApplied);
  EXPECT_EQ(m.snapshot()->DebugString(), fresh.snapshot()->DebugString());
}

TEST(NodeModel, SnapshotIsImmutableAcrossUpdates) {
  NodeModel m;
  m.apply(keyframe_envelope("n", 1, 3));
  auto before = m.snapshot();
  auto d = delta_envelope("n", 2);
  d.mutable_delta()->mutable_gauges()->set_process_count(4);
  m.apply(d);
  EXPECT_EQ(before->gauges().process_count(), 3u);
  EXPECT_EQ(m.snapshot()->gauges().process_count(), 4u);
}

TEST(SortKey, ParsesCliNames) {
  SortKey k;
  EXPECT_TRUE(parse_sort_key("mailbox", k));
  EXPECT_EQ(k, SortKey::kMailbox);
  EXPECT_TRUE(parse_sort_key("gc", k));
  EXPECT_EQ(k, SortKey::kMinorGcs);
  EXPECT_FALSE(parse_sort_key("cpu", k));
}

TEST(FleetModel, KeepsNodesApart) {
  FleetModel f;
  EXPECT_EQ(f.apply(delta_envelope("a", 1)), ApplyResult::kNeedKeyframe);
  f.apply(keyframe_envelope("a", 1, 10));
  f.apply(keyframe_envelope("b", 1, 20));
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f.find("a")->snapshot()->gauges().process_count(), 10u);
  EXPECT_EQ(f.find("b")->snapshot()->gauges().process_count(), 20u);
  f.erase("a");
  EXPECT_EQ(f.find("a"), nullptr);
}

}  // namespace
}  // namespace beamscope::protocol
