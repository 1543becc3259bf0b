#include "beamscope/collector/collector_metrics.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <thread>

#include <zmq.hpp>

#include <prometheus/text_serializer.h>

#include "beamscope/exporters/node_collectable.hpp"
#include "link_fixtures.hpp"
#include "stream_fixtures.hpp"

namespace beamscope::collector {
namespace {

using testing::keyframe;
using testing::wait_until;
using testing::scrape;

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
  const std::string agent_only = "{agent=\"" + agent->bound_endpoint() + "\"";
  for (const char* reason : {"too_large", "malformed", "wrong_version", "out_of_bounds", "no_body"})
    EXPECT_NE(own.find("beamscope_collector_frames_rejected_total" + agent_only + ",reason=\"" + reason + "\"} 0\n"),
              std::string::npos)
        << reason << "\n" << own;
  EXPECT_NE(own.find("beamscope_collector_state_cut_total" + agent_only + ",reason=\"processes\"} 0\n"),
            std::string::npos);
  EXPECT_NE(own.find("beamscope_collector_agent_connected" + agent_label + " 1\n"), std::string::npos);
  EXPECT_NE(own.find("beamscope_collector_agents_connected 1\n"), std::string::npos);
  EXPECT_NE(own.find("beamscope_collector_nodes 1\n"), std::string::npos);
}

// An "agent" of another major version: a raw ROUTER answering every
// message (Hello, heartbeats) with a well-formed keyframe of major 2.
TEST(CollectorMetrics, FramesOfAnotherMajorVersionAreCountedByReason) {
  zmq::context_t ctx;
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.bind("tcp://127.0.0.1:*");
  const std::string endpoint = router.get(zmq::sockopt::last_endpoint);
  auto future = keyframe("future@h", 1, 1);
  future.set_version_major(protocol::kVersionMajor + 1);
  const std::string payload = future.SerializeAsString();
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::thread server([&] {
    while (!stop) {
      zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(20));
      if (!(item.revents & ZMQ_POLLIN)) continue;
      zmq::message_t id, body;
      (void)router.recv(id);
      while (router.get(zmq::sockopt::rcvmore)) (void)router.recv(body);
      (void)router.send(id, zmq::send_flags::sndmore);
      (void)router.send(zmq::buffer(payload));
      ++answered;
    }
  });
  std::string err;
  auto fan = FanIn::start({.agents = {endpoint}, .server = {.endpoint = "tcp://127.0.0.1:*"}}, err);
  ASSERT_TRUE(fan) << err;
  ASSERT_TRUE(wait_until([&] { return fan->stats().agents[0].rejects[protocol::DecodeError::kWrongVersion] >= 2; }));
  const auto link = fan->stats().agents[0];
  EXPECT_EQ(link.rejects.total(), link.frames_rejected);
  EXPECT_EQ(link.rejects.last_major, protocol::kVersionMajor + 1);
  EXPECT_EQ(link.frames_received, 0u);
  EXPECT_FALSE(link.connected);
  const auto own = scrape(*make_collector_collectable(*fan));
  const std::string series = "beamscope_collector_frames_rejected_total{agent=\"" + endpoint + "\",reason=\"wrong_version\"} ";
  const auto at = own.find(series);
  ASSERT_NE(at, std::string::npos) << own;
  EXPECT_GE(std::stoull(own.substr(at + series.size())), 2u);
  EXPECT_TRUE(fan->snapshots().empty());
  fan->stop();
  stop = true;
  server.join();
}

}  // namespace
}  // namespace beamscope::collector
