#include "beamscope/collector/collector_metrics.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include <prometheus/text_serializer.h>

#include "beamscope/exporters/node_collectable.hpp"
#include "stream_fixtures.hpp"

namespace beamscope::collector {
namespace {

using testing::keyframe;
using testing::wait_until;

std::string scrape(const prometheus::Collectable& c) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, c.Collect());
  return out.str();
}

TEST(CollectorMetrics, FleetAndLinkSeries) {
  std::string err;
  auto agent = transport::StreamServer::start({.endpoint = "tcp://127.0.0.1:*"}, err);
  ASSERT_TRUE(agent) << err;
  ASSERT_TRUE(agent->publish(keyframe("a@h", 1, 1234)));
  auto fan = FanIn::start({.agents = {agent->bound_endpoint()}, .server = {.endpoint = "tcp://127.0.0.1:*"}}, err);
  ASSERT_TRUE(fan) << err;
  ASSERT_TRUE(wait_until([&] { return fan->snapshots().size() == 1 && fan->stats().agents[0].connected; }));

  auto fleet = exporters::make_node_collectable([&] { return fan->snapshots(); }, {.label_node = true});
  const auto fleet_text = scrape(*fleet);
  EXPECT_NE(fleet_text.find("erlang_vm_process_count{node=\"a@h\"} 1234\n"), std::string::npos) << fleet_text;

  const auto own = scrape(*make_collector_collectable(*fan));
  const std::string agent_label = "{agent=\"" + agent->bound_endpoint() + "\"}";
  EXPECT_NE(own.find("beamscope_collector_frames_received_total" + agent_label), std::string::npos) << own;
  EXPECT_NE(own.find("beamscope_collector_frames_rejected_total" + agent_label + " 0\n"), std::string::npos);
  EXPECT_NE(own.find("beamscope_collector_agent_connected" + agent_label + " 1\n"), std::string::npos);
  EXPECT_NE(own.find("beamscope_collector_agents_connected 1\n"), std::string::npos);
  EXPECT_NE(own.find("beamscope_collector_nodes 1\n"), std::string::npos);
}

}  // namespace
}  // namespace beamscope::collector
