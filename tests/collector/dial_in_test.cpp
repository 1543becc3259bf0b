// Agents that dial in, end to end over loopback: a real StreamServer that
// only dials out (no port bound, as behind a firewall) reaches a FanIn
// through follow_dialled_agents; its node is served to viewers and shown on
// /metrics under the dial-in name, and is gone once the agent is let go.
#include "beamscope/collector/dial_in.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include <prometheus/text_serializer.h>

#include "beamscope/collector/collector_metrics.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "link_fixtures.hpp"
#include "stream_fixtures.hpp"

namespace beamscope::collector {
namespace {

using namespace std::chrono_literals;
using testing::find_node;
using testing::keyframe;
using testing::wait_until;
using testing::scrape;

TEST(DialIn, DialledAgentIsFollowedServedAndLetGo) {
  std::string err;
  FanInOptions fan_opts;  // no agent to connect to: they dial in
  fan_opts.server.endpoint = "tcp://127.0.0.1:*";
  auto fan = FanIn::start(fan_opts, err);
  ASSERT_TRUE(fan) << err;
  transport::DialInOptions opts;
  opts.endpoint = "tcp://127.0.0.1:*";
  opts.silence_ms = 1000;
  auto listener = follow_dialled_agents(*fan, opts, err);
  ASSERT_TRUE(listener) << err;

  transport::StreamServerOptions agent_opts;
  agent_opts.endpoint = "";
  agent_opts.dial_out.resize(1);
  agent_opts.dial_out[0].endpoint = listener->bound_endpoint();
  auto agent = transport::StreamServer::start(agent_opts, err);
  ASSERT_TRUE(agent) << err;
  ASSERT_TRUE(agent->publish(keyframe("far@h", 1, 77)));

  ASSERT_TRUE(wait_until([&] { return find_node(fan->snapshots(), "far@h") != nullptr; }));
  auto viewer = transport::StreamClient::start(fan->listen_endpoint(), err);
  ASSERT_TRUE(viewer) << err;
  EXPECT_TRUE(wait_until([&] {
    auto node = find_node(viewer->snapshots(), "far@h");
    return node && node->gauges().process_count() == 77;
  }));
  const auto stats = fan->stats();
  ASSERT_EQ(stats.agents.size(), 1u);
  EXPECT_EQ(stats.agents[0].endpoint, "dial-in 127.0.0.1");
  EXPECT_TRUE(stats.agents[0].connected);

  const auto text = scrape(*make_collector_collectable(*fan, listener.get()));
  EXPECT_NE(text.find("beamscope_collector_dialin_agents 1"), std::string::npos) << text;
  EXPECT_NE(text.find("beamscope_collector_agent_connected{agent=\"dial-in 127.0.0.1\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("beamscope_collector_dialin_rejected_total{reason=\"not_announced\"} 0"), std::string::npos);

  // The agent goes away: silent 1 s, it is let go and its node is gone.
  agent->stop();
  EXPECT_TRUE(wait_until([&] { return fan->snapshots().empty() && fan->stats().agents.empty(); }));
  EXPECT_EQ(listener->stats().agents, 0u);
  EXPECT_TRUE(wait_until([&] { return find_node(viewer->snapshots(), "far@h") == nullptr; }));

  listener->stop();
  fan->stop();
  listener.reset();
}

}  // namespace
}  // namespace beamscope::collector
