// The supervisor facts every reader shares (protocol/supervision.hpp).
#include <gtest/gtest.h>

#include "beamscope/protocol/supervision.hpp"

namespace beamscope::protocol {
namespace {

v1::TreeNode supervisor(const std::string& strategy, std::uint32_t intensity, std::uint32_t in_period) {
  v1::TreeNode n;
  n.set_kind(v1::TreeNode::SUPERVISOR);
  n.set_strategy(strategy);
  n.set_intensity(intensity);
  n.set_restarts_in_period(in_period);
  return n;
}

TEST(Supervision, HeadroomIsIntensityLessRecentRestartsNeverBelowZero) {
  EXPECT_EQ(restart_headroom(supervisor("one_for_one", 10, 3)), 7u);
  EXPECT_EQ(restart_headroom(supervisor("one_for_one", 3, 3)), 0u);
  EXPECT_EQ(restart_headroom(supervisor("one_for_one", 3, 9)), 0u);
  EXPECT_EQ(restart_headroom(supervisor("one_for_all", 0, 0)), 0u);  // intensity 0: the next one escalates
}

TEST(Supervision, NoHeadroomWhereThereIsNoneToKnow) {
  // Flags not read (the supervisor did not answer): not "0 left".
  EXPECT_FALSE(restart_headroom(supervisor("", 0, 0)).has_value());
  v1::TreeNode worker;
  worker.set_kind(v1::TreeNode::WORKER);
  worker.set_intensity(5);
  EXPECT_FALSE(restart_headroom(worker).has_value());
}

TEST(Supervision, IntensityUseNearFromHalfAtWhenAllOfIt) {
  EXPECT_EQ(intensity_use(supervisor("one_for_one", 10, 0)), IntensityUse::kNone);
  EXPECT_EQ(intensity_use(supervisor("one_for_one", 10, 4)), IntensityUse::kNone);
  EXPECT_EQ(intensity_use(supervisor("one_for_one", 10, 5)), IntensityUse::kNear);
  EXPECT_EQ(intensity_use(supervisor("one_for_one", 10, 10)), IntensityUse::kAt);
  EXPECT_EQ(intensity_use(supervisor("one_for_one", 10, 12)), IntensityUse::kAt);
  EXPECT_EQ(intensity_use(supervisor("one_for_one", 10, 2), 0.2), IntensityUse::kNear);
  EXPECT_EQ(intensity_use(supervisor("", 0, 3)), IntensityUse::kNone);
}

TEST(Supervision, DynamicChildrenBySimpleOneForOneOrTheAgentsSummary) {
  EXPECT_TRUE(has_dynamic_children(supervisor("simple_one_for_one", 0, 0)));
  auto summarised = supervisor("one_for_one", 1, 0);  // an Elixir DynamicSupervisor with 10,000 children
  EXPECT_FALSE(has_dynamic_children(summarised));
  summarised.set_children_total(10000);
  EXPECT_TRUE(has_dynamic_children(summarised));
  v1::TreeNode worker;
  worker.set_kind(v1::TreeNode::WORKER);
  worker.set_children_total(3);
  EXPECT_FALSE(has_dynamic_children(worker));
}

}  // namespace
}  // namespace beamscope::protocol
