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
