// --discover over real sockets on loopback: StreamServers play the agents of
// one cluster, each keyframe naming its peers (AgentStats.peer_agents); a
// FanIn started with one seed agent finds the rest, within the cap, skips
// what it cannot or need not follow, and forgets what is no longer reported.
#include "beamscope/collector/discovery.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
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
using testing::start_agent;
using testing::start_fan_in;
using testing::scrape;

struct Peer {
  std::string node, endpoint, key;
};

void set_peers(v1::AgentStats& agent, const std::vector<Peer>& peers) {
  agent.clear_peer_agents();
  for (const auto& p : peers) {
    auto* pa = agent.add_peer_agents();
    pa->set_node(p.node);
    pa->set_endpoint(p.endpoint);
    pa->set_server_public_key(p.key);
  }
}

// A keyframe of `node` whose agent reports `peers`.
v1::Envelope reporting(const std::string& node, std::uint64_t seq, const std::vector<Peer>& peers) {
  auto env = keyframe(node, seq, 10);
  set_peers(*env.mutable_keyframe()->mutable_agent(), peers);
  return env;
}

// A delta that replaces the agent's report (AgentStats travels whole).
v1::Envelope reporting_delta(const std::string& node, std::uint64_t seq, const std::vector<Peer>& peers) {
  auto env = testing::envelope(node, seq);
  set_peers(*env.mutable_delta()->mutable_agent(), peers);
  return env;
}

std::unique_ptr<Discovery> start_discovery(FanIn& fan, DiscoveryOptions opts = {}) {
  opts.interval = 50ms;
  std::string err;
  auto d = Discovery::start(fan, opts, err);
  EXPECT_TRUE(d) << err;
  return d;
}

bool serves(const FanIn& fan, std::initializer_list<const char*> nodes) {
  const auto snaps = fan.snapshots();
  for (const char* n : nodes)
    if (!find_node(snaps, n)) return false;
  return true;
}

TEST(Discovery, OneSeedFindsTheClusterTransitively) {
  auto a = start_agent(), b = start_agent(), c = start_agent();
  ASSERT_TRUE(a->publish(reporting("a@h", 1, {{"b@h", b->bound_endpoint(), ""}})));
  ASSERT_TRUE(b->publish(reporting("b@h", 1, {{"a@h", a->bound_endpoint(), ""}, {"c@h", c->bound_endpoint(), ""}})));
  ASSERT_TRUE(c->publish(reporting("c@h", 1, {{"b@h", b->bound_endpoint(), ""}})));
  auto fan = start_fan_in({a->bound_endpoint()});
  auto discovery = start_discovery(*fan);

  ASSERT_TRUE(wait_until([&] { return serves(*fan, {"a@h", "b@h", "c@h"}); }, 10s));
  std::string err;
  auto viewer = transport::StreamClient::start(fan->listen_endpoint(), err);
  ASSERT_TRUE(viewer) << err;
  EXPECT_TRUE(wait_until([&] {
    const auto snaps = viewer->snapshots();
    return find_node(snaps, "a@h") && find_node(snaps, "b@h") && find_node(snaps, "c@h");
  }));
  // The seed is reported back by b and c: followed once, as given.
  EXPECT_EQ(fan->stats().agents.size(), 3u);
  EXPECT_EQ(fan->stats().node_conflicts, 0u);
  const auto s = discovery->stats();
  EXPECT_EQ(s.discovered, 2u);
  EXPECT_EQ(s.added_total, 2u);

  const auto text = scrape(*make_discovery_collectable(*discovery));
  EXPECT_NE(text.find("beamscope_collector_discovered_agents 2"), std::string::npos) << text;
  EXPECT_NE(text.find("beamscope_collector_discovery_skipped_total{reason=\"cap\"} 0"), std::string::npos) << text;
  discovery->stop();
  fan->stop();
}

TEST(Discovery, SkipsPeersWithoutEndpointAndCountsThemOnce) {
  auto a = start_agent();
  ASSERT_TRUE(a->publish(reporting("a@h", 1, {{"dialer@h", "", ""}, {"bad@h", "tcp://nowhere", ""}})));
  auto fan = start_fan_in({a->bound_endpoint()});
  auto discovery = start_discovery(*fan);
  ASSERT_TRUE(wait_until([&] {
    const auto s = discovery->stats();
    return s.skipped[static_cast<std::size_t>(DiscoverySkip::kNoEndpoint)] == 1 &&
           s.skipped[static_cast<std::size_t>(DiscoverySkip::kBadEndpoint)] == 1;
  }));
  std::this_thread::sleep_for(300ms);  // several passes: still counted once
  const auto s = discovery->stats();
  EXPECT_EQ(s.skipped[static_cast<std::size_t>(DiscoverySkip::kNoEndpoint)], 1u);
  EXPECT_EQ(s.skipped[static_cast<std::size_t>(DiscoverySkip::kBadEndpoint)], 1u);
  EXPECT_EQ(s.discovered, 0u);
  EXPECT_EQ(fan->stats().agents.size(), 1u);
  discovery->stop();
  fan->stop();
}

TEST(Discovery, CapIsHonouredAndCounted) {
  auto a = start_agent(), b = start_agent(), c = start_agent();
  ASSERT_TRUE(a->publish(reporting("a@h", 1, {{"b@h", b->bound_endpoint(), ""}, {"c@h", c->bound_endpoint(), ""}})));
  ASSERT_TRUE(b->publish(reporting("b@h", 1, {})));
  ASSERT_TRUE(c->publish(reporting("c@h", 1, {})));
  auto fan = start_fan_in({a->bound_endpoint()});
  DiscoveryOptions capped;
  capped.max_discovered = 1;
  auto discovery = start_discovery(*fan, capped);
  ASSERT_TRUE(wait_until([&] { return fan->snapshots().size() == 2; }, 10s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(fan->snapshots().size(), 2u);
  EXPECT_EQ(fan->stats().agents.size(), 2u);
  const auto s = discovery->stats();
  EXPECT_EQ(s.discovered, 1u);
  EXPECT_EQ(s.skipped[static_cast<std::size_t>(DiscoverySkip::kCap)], 1u);
  const auto text = scrape(*make_discovery_collectable(*discovery));
  EXPECT_NE(text.find("beamscope_collector_discovery_skipped_total{reason=\"cap\"} 1"), std::string::npos) << text;
  discovery->stop();
  fan->stop();
}

// b is followed as given (--agent); a reports it under another spelling of
// its host: the node is present, so no second link.
TEST(Discovery, NodePresentThroughAnotherLinkIsNotFollowedTwice) {
  auto a = start_agent(), b = start_agent();
  const std::string port = b->bound_endpoint().substr(b->bound_endpoint().rfind(':'));
  ASSERT_TRUE(a->publish(reporting("a@h", 1, {{"b@h", "tcp://localhost" + port, ""}})));
  ASSERT_TRUE(b->publish(reporting("b@h", 1, {{"a@h", a->bound_endpoint(), ""}})));
  auto fan = start_fan_in({a->bound_endpoint(), b->bound_endpoint()});
  ASSERT_TRUE(wait_until([&] { return serves(*fan, {"a@h", "b@h"}); }));
  auto discovery = start_discovery(*fan);
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(fan->stats().agents.size(), 2u);
  EXPECT_EQ(discovery->stats().discovered, 0u);
  discovery->stop();
  fan->stop();
}

TEST(Discovery, PeerNoLongerReportedIsForgotten) {
  auto a = start_agent(), b = start_agent();
  ASSERT_TRUE(a->publish(reporting("a@h", 1, {{"b@h", b->bound_endpoint(), ""}, {"gone@h", "tcp://127.0.0.1:1", ""}})));
  ASSERT_TRUE(b->publish(reporting("b@h", 1, {})));
  auto fan = start_fan_in({a->bound_endpoint()});
  DiscoveryOptions quick;
  quick.forget_after = 500ms;
  auto discovery = start_discovery(*fan, quick);
  ASSERT_TRUE(wait_until([&] { return serves(*fan, {"a@h", "b@h"}) && discovery->stats().discovered == 2; }, 10s));

  // a stops reporting both; b still serves its node, so it stays.
  ASSERT_TRUE(a->publish(reporting_delta("a@h", 2, {})));
  ASSERT_TRUE(wait_until([&] { return discovery->stats().forgotten_total == 1; }));
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(discovery->stats().discovered, 1u);
  EXPECT_TRUE(serves(*fan, {"b@h"}));

  // b goes away: its node is gone (silence), then its link is forgotten.
  b->stop();
  ASSERT_TRUE(wait_until([&] { return discovery->stats().discovered == 0; }, 10s));
  EXPECT_EQ(discovery->stats().forgotten_total, 2u);
  EXPECT_EQ(fan->stats().agents.size(), 1u);  // the seed is never forgotten
  EXPECT_EQ(fan->stats().agents[0].endpoint, a->bound_endpoint());
  discovery->stop();
  fan->stop();
}

TEST(Discovery, CurvePeerIsFollowedWithItsKey) {
  // The StreamServer reads its secret key from a file, as an agent does.
  transport::CurveKeyPair written;
  const std::string path = ::testing::TempDir() + "discovery_test_b_" + std::to_string(::getpid());
  std::remove((path + ".pub").c_str());
  std::remove((path + ".secret").c_str());
  ASSERT_EQ(transport::write_keypair_files(path, written), std::nullopt);
  std::string err;
  transport::StreamServerOptions b_opts{.endpoint = "tcp://127.0.0.1:*"};
  b_opts.security.secret_key_file = path + ".secret";
  auto b = transport::StreamServer::start(b_opts, err);
  ASSERT_TRUE(b) << err;
  ASSERT_TRUE(b->publish(reporting("b@h", 1, {})));
  auto a = start_agent();
  ASSERT_TRUE(a->publish(reporting("a@h", 1, {{"b@h", b->bound_endpoint(), written.public_key},
                                              {"x@h", "tcp://127.0.0.1:2", "not a key"}})));
  auto fan = start_fan_in({a->bound_endpoint()});
  auto discovery = start_discovery(*fan);
  ASSERT_TRUE(wait_until([&] { return serves(*fan, {"a@h", "b@h"}); }, 10s));
  EXPECT_EQ(discovery->stats().skipped[static_cast<std::size_t>(DiscoverySkip::kBadKey)], 1u);
  discovery->stop();
  fan->stop();
  std::remove((path + ".pub").c_str());
  std::remove((path + ".secret").c_str());
}

}  // namespace
}  // namespace beamscope::collector
