// FanIn over real ZeroMQ sockets on loopback: StreamServers act as agents
// (real producers of the real protocol), a StreamClient acts as the viewer.
#include "beamscope/collector/fan_in.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <zmq.hpp>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "link_fixtures.hpp"
#include "stream_fixtures.hpp"

namespace beamscope::collector {
namespace {

using namespace std::chrono_literals;
using testing::delta;
using testing::find_node;
using testing::has_process;
using testing::keyframe;
using testing::wait_until;
using testing::start_agent;
using testing::start_fan_in;

std::unique_ptr<transport::StreamClient> start_viewer(const std::string& endpoint) {
  std::string err;
  auto c = transport::StreamClient::start(endpoint, err);
  EXPECT_TRUE(c) << err;
  return c;
}

TEST(FanIn, ViewerSeesEveryAgentsNodeWithKeyframesAndDeltas) {
  auto a = start_agent();
  auto b = start_agent();
  ASSERT_TRUE(a->publish(keyframe("a@h", 1, 100)));
  ASSERT_TRUE(b->publish(keyframe("b@h", 7, 300)));
  auto fan = start_fan_in({a->bound_endpoint(), b->bound_endpoint()});
  ASSERT_TRUE(wait_until([&] { return fan->snapshots().size() == 2; }));

  // Deltas published after the collector joined travel through it unchanged.
  ASSERT_TRUE(a->publish(delta("a@h", 2, 150, "<0.9.0>", 500)));
  ASSERT_TRUE(b->publish(delta("b@h", 8, 350, "<0.8.0>", 80)));
  auto viewer = start_viewer(fan->listen_endpoint());
  ASSERT_TRUE(wait_until([&] {
    auto snaps = viewer->snapshots();
    auto na = find_node(snaps, "a@h"), nb = find_node(snaps, "b@h");
    return na && nb && na->gauges().process_count() == 150 && has_process(*na, "<0.9.0>", 500) &&
           nb->gauges().process_count() == 350 && has_process(*nb, "<0.8.0>", 80);
  })) << "viewer did not converge";

  // A delta after the viewer joined reaches it through the collector too.
  ASSERT_TRUE(a->publish(delta("a@h", 3, 160, "<0.10.0>", 1000)));
  ASSERT_TRUE(wait_until([&] {
    auto na = find_node(viewer->snapshots(), "a@h");
    return na && na->gauges().process_count() == 160 && has_process(*na, "<0.10.0>", 1000) &&
           has_process(*na, "<0.9.0>", 500);
  }));

  const auto stats = fan->stats();
  ASSERT_EQ(stats.agents.size(), 2u);
  EXPECT_GE(stats.agents[0].frames_forwarded, 3u);  // keyframe + 2 deltas
  EXPECT_GE(stats.agents[1].frames_forwarded, 2u);
  EXPECT_TRUE(stats.agents[0].connected);
  EXPECT_EQ(stats.agents[0].frames_rejected, 0u);
  EXPECT_EQ(stats.node_conflicts, 0u);
}

// The links share one ZeroMQ context, three sockets a link: past the
// library's default of 1,023 sockets a context, a fleet of more than 341
// agents could not be followed. 360 links, the last to a live agent.
TEST(FanIn, FollowsMoreAgentsThanAContextsDefaultSocketCount) {
  rlimit files{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &files), 0);
  files.rlim_cur = files.rlim_max;  // a descriptor or four a link, as the collector does
  (void)::setrlimit(RLIMIT_NOFILE, &files);
  auto agent = start_agent();
  ASSERT_TRUE(agent->publish(keyframe("last@h", 1, 42)));
  std::vector<std::string> agents;
  for (int i = 0; i < 359; ++i) agents.push_back("tcp://127.0.0.1:" + std::to_string(9 + i % 2));  // nobody there
  agents.push_back(agent->bound_endpoint());
  auto fan = start_fan_in(agents);
  ASSERT_TRUE(fan);
  ASSERT_TRUE(wait_until([&] {
    auto node = find_node(fan->snapshots(), "last@h");
    return node && node->gauges().process_count() == 42;
  }));
  EXPECT_EQ(fan->stats().agents.size(), 360u);
}

TEST(FanIn, OneShotFetchThroughTheCollector) {
  auto a = start_agent();
  ASSERT_TRUE(a->publish(keyframe("a@h", 1, 42)));
  auto fan = start_fan_in({a->bound_endpoint()});
  ASSERT_TRUE(wait_until([&] { return fan->snapshots().size() == 1; }));
  std::string err;
  auto fleet = transport::fetch_snapshot(fan->listen_endpoint(), 3000ms, err);
  ASSERT_TRUE(fleet) << err;
  const auto* node = fleet->find("a@h");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->snapshot()->gauges().process_count(), 42u);
}

TEST(FanIn, NodeGoneIsForwardedToViewers) {
  auto a = start_agent();
  ASSERT_TRUE(a->publish(keyframe("a@h", 1, 10)));
  ASSERT_TRUE(a->publish(keyframe("a2@h", 1, 20)));
  auto fan = start_fan_in({a->bound_endpoint()});
  auto viewer = start_viewer(fan->listen_endpoint());
  ASSERT_TRUE(wait_until([&] { return viewer->snapshots().size() == 2; }));
  a->node_gone("a2@h", "stopped");
  ASSERT_TRUE(wait_until([&] {
    auto snaps = viewer->snapshots();
    return snaps.size() == 1 && find_node(snaps, "a@h");
  }));
  EXPECT_EQ(fan->snapshots().size(), 1u);
}

TEST(FanIn, SilentAgentsNodesAreDropped) {
  auto a = start_agent();
  auto b = start_agent();
  ASSERT_TRUE(a->publish(keyframe("a@h", 1, 10)));
  ASSERT_TRUE(b->publish(keyframe("b@h", 1, 20)));
  auto fan = start_fan_in({a->bound_endpoint(), b->bound_endpoint()});
  auto viewer = start_viewer(fan->listen_endpoint());
  ASSERT_TRUE(wait_until([&] { return viewer->snapshots().size() == 2; }));
  b->stop();  // the agent dies without a word
  ASSERT_TRUE(wait_until([&] { return viewer->snapshots().size() == 1; }, 8000ms));
  EXPECT_TRUE(find_node(viewer->snapshots(), "a@h"));
  EXPECT_FALSE(fan->stats().agents[1].connected);
}

TEST(FanIn, SecondAgentClaimingANodeIsIgnoredAndCounted) {
  auto a = start_agent();
  ASSERT_TRUE(a->publish(keyframe("same@h", 1, 10)));
  auto fan_probe = start_fan_in({a->bound_endpoint()});  // make sure a is serving first
  ASSERT_TRUE(wait_until([&] { return fan_probe->snapshots().size() == 1; }));
  fan_probe.reset();

  auto b = start_agent();
  ASSERT_TRUE(b->publish(keyframe("same@h", 1, 99)));
  auto fan = start_fan_in({a->bound_endpoint(), b->bound_endpoint()});
  // The conflict is counted on a link thread; the winner's frame reaches the
  // server's model a moment later, on the server thread: wait for both.
  ASSERT_TRUE(wait_until([&] { return fan->stats().node_conflicts >= 1 && fan->snapshots().size() == 1; }));
  auto snaps = fan->snapshots();
  ASSERT_EQ(snaps.size(), 1u);
  const auto count = snaps[0]->gauges().process_count();
  EXPECT_TRUE(count == 10 || count == 99);
  // The winner keeps streaming; the loser never overwrites it.
  auto& winner = count == 10 ? a : b;
  ASSERT_TRUE(winner->publish(delta("same@h", 2, 555, "<0.2.0>", 5)));
  ASSERT_TRUE(wait_until([&] {
    auto s = fan->snapshots();
    return s.size() == 1 && s[0]->gauges().process_count() == 555;
  }));
}

}  // namespace
}  // namespace beamscope::collector
