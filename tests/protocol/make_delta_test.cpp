#include <gtest/gtest.h>

#include <algorithm>

#include "beamscope/protocol/node_model.hpp"
#include "test_frames.hpp"

namespace beamscope::protocol {
namespace {

using beamscope::testing::keyframe_envelope;
using beamscope::testing::sample;

TEST(MakeDelta, SendsOnlyChangedProcessesAndRemovals) {
  Keyframe prev, next;
  *prev.add_processes() = sample("<0.1.0>", 1);
  *prev.add_processes() = sample("<0.2.0>", 2);
  *prev.add_processes() = sample("<0.3.0>", 3);
  *next.add_processes() = sample("<0.1.0>", 1);    // unchanged
  *next.add_processes() = sample("<0.2.0>", 200);  // changed
  *next.add_processes() = sample("<0.4.0>", 4);    // new
  next.mutable_gauges()->set_process_count(9);

  Delta d = make_delta(prev, next);
  std::vector<std::string> upserted;
  for (const auto& p : d.upserted()) upserted.push_back(p.pid());
  std::sort(upserted.begin(), upserted.end());
  EXPECT_EQ(upserted, (std::vector<std::string>{"<0.2.0>", "<0.4.0>"}));
  ASSERT_EQ(d.removed_size(), 1);
  EXPECT_EQ(d.removed(0), "<0.3.0>");
  EXPECT_EQ(d.gauges().process_count(), 9u);
}

TEST(MakeDelta, ApplyingTheDeltaReproducesTheNextState) {
  auto kf = keyframe_envelope("n", 1, 10);
  *kf.mutable_keyframe()->add_processes() = sample("<0.1.0>", 1);
  *kf.mutable_keyframe()->add_processes() = sample("<0.2.0>", 2);
  Keyframe next = kf.keyframe();
  next.mutable_gauges()->set_process_count(11);
  next.mutable_processes()->RemoveLast();
  *next.add_processes() = sample("<0.9.0>", 99);

  NodeModel m;
  m.apply(kf);
  Envelope d;
  d.set_node("n");
  d.set_seq(2);
  *d.mutable_delta() = make_delta(kf.keyframe(), next);
  ASSERT_EQ(m.apply(d), ApplyResult::kApplied);
  auto snap = m.snapshot();
  EXPECT_EQ(snap->gauges().process_count(), 11u);
  ASSERT_EQ(snap->processes_size(), 2);
  EXPECT_EQ(snap->processes(0).pid(), "<0.9.0>");
  EXPECT_EQ(snap->processes(1).pid(), "<0.1.0>");
}

}  // namespace
}  // namespace beamscope::protocol

namespace beamscope::protocol {
namespace {

v1::TreeNode tree_node(const std::string& id, const std::string& parent, std::uint64_t restarts) {
  v1::TreeNode n;
  n.set_id(id);
  n.set_parent_id(parent);
  n.set_restarts_total(restarts);
  return n;
}

v1::Event event(std::uint64_t id, const std::string& reason) {
  v1::Event e;
  e.set_id(id);
  e.set_kind(v1::Event::CHILD_TERMINATED);
  e.set_reason(reason);
  return e;
}

TEST(MakeDelta, TreeAndEventsRoundTripThroughTheModel) {
  auto kf = beamscope::testing::keyframe_envelope("n", 1, 10);
  *kf.mutable_keyframe()->add_tree() = tree_node("app", "", 0);
  *kf.mutable_keyframe()->add_tree() = tree_node("app/sup", "app", 0);
  *kf.mutable_keyframe()->add_tree() = tree_node("app/sup/w", "app/sup", 0);
  *kf.mutable_keyframe()->add_events() = event(1, "old");

  Keyframe next = kf.keyframe();
  next.mutable_tree(2)->set_restarts_total(3);  // w restarted
  next.mutable_tree()->RemoveLast();
  *next.add_tree() = tree_node("app/sup/w", "app/sup", 3);
  *next.add_tree() = tree_node("app/sup/w2", "app/sup", 0);
  *next.add_events() = event(2, "killed");
  next.add_applications()->set_name("app");

  Delta delta = make_delta(kf.keyframe(), next);
  EXPECT_EQ(delta.tree_upserted_size(), 2);  // w changed, w2 new; app and sup unchanged
  ASSERT_EQ(delta.events_size(), 1);
  EXPECT_EQ(delta.events(0).reason(), "killed");

  NodeModel m;
  m.apply(kf);
  Envelope d;
  d.set_node("n");
  d.set_seq(2);
  *d.mutable_delta() = delta;
  ASSERT_EQ(m.apply(d), ApplyResult::kApplied);
  auto snap = m.snapshot();
  ASSERT_EQ(snap->tree_size(), 4);
  EXPECT_EQ(snap->tree(0).id(), "app");  // parents before children
  EXPECT_EQ(m.tree().at("app/sup/w").restarts_total(), 3u);
  ASSERT_EQ(snap->events_size(), 2);
  EXPECT_EQ(snap->events(1).reason(), "killed");
  ASSERT_EQ(snap->applications_size(), 1);

  // A later keyframe repeating event 2 does not duplicate it.
  Envelope again;
  again.set_node("n");
  again.set_seq(3);
  *again.mutable_keyframe() = next;
  m.apply(again);
  EXPECT_EQ(m.snapshot()->events_size(), 2);
}

TEST(MakeDelta, RemovedTreeNodesAreListed) {
  Keyframe prev, next;
  *prev.add_tree() = tree_node("a", "", 0);
  *prev.add_tree() = tree_node("a/x", "a", 0);
  *next.add_tree() = tree_node("a", "", 0);
  Delta d = make_delta(prev, next);
  ASSERT_EQ(d.tree_removed_size(), 1);
  EXPECT_EQ(d.tree_removed(0), "a/x");
  EXPECT_EQ(d.tree_upserted_size(), 0);
}

}  // namespace
}  // namespace beamscope::protocol
