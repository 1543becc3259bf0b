// Which node a command shows: agent (one), collector (many), none yet.
#include <gtest/gtest.h>

#include "ctl_options.hpp"
#include "node_select.hpp"

namespace beamscope::cli {
namespace {

void add_node(protocol::FleetModel& fleet, const std::string& name) {
  v1::Envelope env;
  env.set_node(name);
  env.set_seq(1);
  env.mutable_keyframe()->mutable_info()->set_node(name);
  ASSERT_EQ(fleet.apply(env), protocol::ApplyResult::kApplied);
}

TEST(SelectNode, SingleNodeWithoutName) {
  protocol::FleetModel fleet;
  add_node(fleet, "a@h");
  const auto c = select_node(fleet, "", "tcp://x:1");
  ASSERT_NE(c.model, nullptr);
  EXPECT_EQ(c.name, "a@h");
  EXPECT_EQ(c.exit_code, 0);
}

TEST(SelectNode, SeveralNodesNeedANameAndAreListed) {
  protocol::FleetModel fleet;
  add_node(fleet, "a@h");
  add_node(fleet, "b@h");
  const auto c = select_node(fleet, "", "tcp://x:1");
  EXPECT_EQ(c.model, nullptr);
  EXPECT_EQ(c.exit_code, kExitUsage);
  EXPECT_NE(c.error.find("a@h, b@h"), std::string::npos) << c.error;
  EXPECT_NE(c.error.find("--node"), std::string::npos) << c.error;
}

TEST(SelectNode, NamedNodeAmongSeveral) {
  protocol::FleetModel fleet;
  add_node(fleet, "a@h");
  add_node(fleet, "b@h");
  const auto c = select_node(fleet, "b@h", "tcp://x:1");
  ASSERT_NE(c.model, nullptr);
  EXPECT_EQ(c.name, "b@h");
}

TEST(SelectNode, UnknownNameIsAUsageError) {
  protocol::FleetModel fleet;
  add_node(fleet, "a@h");
  const auto c = select_node(fleet, "zz@h", "tcp://x:1");
  EXPECT_EQ(c.model, nullptr);
  EXPECT_EQ(c.exit_code, kExitUsage);
  EXPECT_NE(c.error.find("a@h"), std::string::npos) << c.error;
}

TEST(SelectNode, EmptyFleetIsAFailure) {
  protocol::FleetModel fleet;
  const auto c = select_node(fleet, "", "tcp://x:1");
  EXPECT_EQ(c.model, nullptr);
  EXPECT_EQ(c.exit_code, kExitFailure);
  EXPECT_NE(c.error.find("tcp://x:1"), std::string::npos);
}

}  // namespace
}  // namespace beamscope::cli
