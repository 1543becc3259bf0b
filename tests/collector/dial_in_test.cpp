// Agents that dial in, end to end over loopback: a real StreamServer that
// only dials out (no port bound, as behind a firewall) reaches a FanIn
// through follow_dialled_agents; its node is served to viewers and shown on
// /metrics under the dial-in name, and is gone once the agent is let go.
#include "beamscope/collector/dial_in.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <sstream>
#include <vector>

#include <zmq.hpp>

#include <prometheus/text_serializer.h>

#include "beamscope/collector/collector_metrics.hpp"
#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "../transport/raw_zmtp.hpp"
#include "link_fixtures.hpp"
#include "stream_fixtures.hpp"

namespace beamscope::collector {
namespace {

using namespace std::chrono_literals;
using testing::find_node;
using testing::keyframe;
using testing::wait_until;
using testing::scrape;

// A viewer of the collector that keeps the reasons it is told nodes went.
struct GoneViewer {
  std::mutex mutex;
  std::vector<std::string> reasons;
  std::unique_ptr<transport::StreamClient> client;
  explicit GoneViewer(const std::string& endpoint) {
    std::string err;
    client = transport::StreamClient::start(endpoint, err, {}, [this](const std::string&, const std::string& reason) {
      std::lock_guard lock(mutex);
      reasons.push_back(reason);
    });
    EXPECT_TRUE(client) << err;
  }
  ~GoneViewer() {
    if (client) client->stop();
  }
  std::optional<std::string> first() {
    std::lock_guard lock(mutex);
    if (reasons.empty()) return std::nullopt;
    return reasons.front();
  }
};

// A collector with no agent to connect to (they dial in) and its listener
// on a loopback port; stopped listener first, as the collector does.
class DialIn : public ::testing::Test {
 protected:
  void start(transport::DialInOptions opts) {
    std::string err;
    FanInOptions fan_opts;
    fan_opts.server.endpoint = "tcp://127.0.0.1:*";
    fan = FanIn::start(fan_opts, err);
    ASSERT_TRUE(fan) << err;
    opts.endpoint = "tcp://127.0.0.1:*";
    listener = follow_dialled_agents(*fan, opts, err);
    ASSERT_TRUE(listener) << err;
  }
  void TearDown() override {
    if (listener) listener->stop();
    if (fan) fan->stop();
    listener.reset();
  }
  std::string scrape_metrics() { return scrape(*make_collector_collectable(*fan, listener.get())); }

  std::unique_ptr<FanIn> fan;
  std::unique_ptr<transport::DialInListener> listener;
};

TEST_F(DialIn, DialledAgentIsFollowedServedAndLetGo) {
  transport::DialInOptions opts;
  opts.silence_ms = 1000;
  ASSERT_NO_FATAL_FAILURE(start(opts));
  std::string err;

  transport::StreamServerOptions agent_opts;
  agent_opts.endpoint = "";
  agent_opts.dial_out.resize(1);
  agent_opts.dial_out[0].endpoint = listener->bound_endpoint();
  auto agent = transport::StreamServer::start(agent_opts, err);
  ASSERT_TRUE(agent) << err;
  ASSERT_TRUE(agent->publish(keyframe("far@h", 1, 77)));

  ASSERT_TRUE(wait_until([&] { return find_node(fan->snapshots(), "far@h") != nullptr; }));
  GoneViewer gone_viewer(fan->listen_endpoint());
  auto& viewer = gone_viewer.client;
  ASSERT_TRUE(viewer);
  EXPECT_TRUE(wait_until([&] {
    auto node = find_node(viewer->snapshots(), "far@h");
    return node && node->gauges().process_count() == 77;
  }));
  const auto stats = fan->stats();
  ASSERT_EQ(stats.agents.size(), 1u);
  EXPECT_EQ(stats.agents[0].endpoint, "dial-in 127.0.0.1");
  EXPECT_TRUE(stats.agents[0].connected);

  const auto text = scrape_metrics();
  EXPECT_NE(text.find("beamscope_collector_dialin_agents 1"), std::string::npos) << text;
  EXPECT_NE(text.find("beamscope_collector_agent_connected{agent=\"dial-in 127.0.0.1\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("beamscope_collector_dialin_rejected_total{reason=\"not_announced\"} 0"), std::string::npos);

  // The agent goes away: it is let go (its connection closed, or silent
  // 1 s) and its node is gone; viewers are told in the agent's name.
  agent->stop();
  EXPECT_TRUE(wait_until([&] { return fan->snapshots().empty() && fan->stats().agents.empty(); }, 10s));
  EXPECT_EQ(listener->stats().agents, 0u);
  EXPECT_TRUE(wait_until([&] { return find_node(viewer->snapshots(), "far@h") == nullptr; }));
  const auto reason = gone_viewer.first();
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("dial-in 127.0.0.1"), std::string::npos) << *reason;
  EXPECT_EQ(reason->find("inproc://"), std::string::npos) << *reason;
}

// An agent that goes silent with its connection open (a stopped VM, a
// network that drops everything): its link reports the node gone after 3 s
// of silence, and viewers are told in the agent's name, not the link's
// inproc bridge.
TEST_F(DialIn, SilentAgentsNodeIsGoneInTheAgentsName) {
  ASSERT_NO_FATAL_FAILURE(start({}));  // lets go after 10 s: later than the link
  GoneViewer gone_viewer(fan->listen_endpoint());
  auto& viewer = gone_viewer.client;
  ASSERT_TRUE(viewer);

  zmq::context_t ctx{1};
  zmq::socket_t agent{ctx, zmq::socket_type::dealer};
  agent.set(zmq::sockopt::linger, 0);
  agent.connect(listener->bound_endpoint());
  protocol::Envelope announce;
  announce.mutable_announce()->set_agent_version("test");
  agent.send(zmq::buffer(protocol::encode(announce, "", 0)));  // stamps the version
  zmq::message_t hello;  // the link's Hello, answered once, then nothing more
  agent.set(zmq::sockopt::rcvtimeo, 5000);
  ASSERT_TRUE(agent.recv(hello));
  agent.send(zmq::buffer(protocol::encode(keyframe("quiet@h", 1, 5))));
  ASSERT_TRUE(wait_until([&] { return find_node(viewer->snapshots(), "quiet@h") != nullptr; }));

  ASSERT_TRUE(wait_until([&] { return gone_viewer.first().has_value(); }, 8s));
  const auto reason = gone_viewer.first();
  EXPECT_NE(reason->find("dial-in 127.0.0.1"), std::string::npos) << *reason;
  EXPECT_EQ(reason->find("inproc://"), std::string::npos) << *reason;
  viewer->stop();
}

// A peer that connects to --agents-listen and never announces is closed
// after the announce timeout and counted on the collector's /metrics;
// while it waits it shows as an unannounced connection.
TEST_F(DialIn, ConnectionThatNeverAnnouncesIsClosedAndCountedOnMetrics) {
  transport::DialInOptions opts;
  opts.announce_timeout_ms = 500;
  ASSERT_NO_FATAL_FAILURE(start(opts));
  const auto& ep = listener->bound_endpoint();
  auto peer = transport::testing::RawTcp::connect_to(std::stoi(ep.substr(ep.rfind(':') + 1)));
  ASSERT_TRUE(peer.zmtp_handshake(/*as_server=*/false, "DEALER", 3000ms));
  ASSERT_TRUE(wait_until([&] { return listener->stats().unannounced == 1; }));
  auto text = scrape_metrics();
  EXPECT_NE(text.find("beamscope_collector_dialin_connections{state=\"unannounced\"} 1"), std::string::npos) << text;
  EXPECT_TRUE(peer.closed_within(3000ms));
  ASSERT_TRUE(wait_until([&] { return listener->stats().unannounced == 0; }));
  text = scrape_metrics();
  EXPECT_NE(text.find("beamscope_collector_dialin_rejected_total{reason=\"no_announce\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("beamscope_collector_dialin_connections{state=\"unannounced\"} 0"), std::string::npos) << text;
}

}  // namespace
}  // namespace beamscope::collector
