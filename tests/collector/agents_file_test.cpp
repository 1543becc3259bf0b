// The agents file (parse, merge with --agent, reload diffs) and FanIn
// following and dropping agents at run time over real sockets on loopback.
#include "beamscope/collector/agents_file.hpp"

#include <gtest/gtest.h>

#include "beamscope/collector/fan_in.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "stream_fixtures.hpp"

namespace beamscope::collector {
namespace {

using testing::find_node;
using testing::keyframe;
using testing::wait_until;

TEST(AgentsFile, LinesCommentsAndKeys) {
  std::vector<AgentSpec> out;
  const char* text =
      "# fleet\n"
      "tcp://10.0.0.5:9755\n"
      "\n"
      "  tcp://10.0.0.6:9755,server-key=/etc/beamscope/b.pub   # CURVE\r\n"
      "ipc:///run/beamscope/c.sock";
  ASSERT_EQ(parse_agents_text(text, out), std::nullopt);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], (AgentSpec{"tcp://10.0.0.5:9755", ""}));
  EXPECT_EQ(out[1], (AgentSpec{"tcp://10.0.0.6:9755", "/etc/beamscope/b.pub"}));
  EXPECT_EQ(out[2].endpoint, "ipc:///run/beamscope/c.sock");
  ASSERT_EQ(parse_agents_text("# nothing yet\n\n", out), std::nullopt);
  EXPECT_TRUE(out.empty());
}

TEST(AgentsFile, BadLinesAreNamed) {
  std::vector<AgentSpec> out;
  EXPECT_EQ(parse_agents_text("tcp://a:1\nlocalhost:9755\n", out).value().rfind("line 2: ", 0), 0u);
  EXPECT_EQ(parse_agents_text("tcp://a:1,key=x\n", out).value().rfind("line 1: ", 0), 0u);
  EXPECT_EQ(parse_agents_text("tcp://127.0.0.1:*\n", out).value().rfind("line 1: ", 0), 0u);
  const auto dup = parse_agents_text("tcp://a:1\n# x\ntcp://a:1\n", out);
  ASSERT_TRUE(dup);
  EXPECT_NE(dup->find("line 3: tcp://a:1 is listed on line 1"), std::string::npos) << *dup;
  std::string many;
  for (std::size_t i = 0; i <= kMaxAgents; ++i) many += "tcp://10.0." + std::to_string(i / 250) + "." +
                                                        std::to_string(i % 250) + ":9755\n";
  EXPECT_NE(parse_agents_text(many, out).value().find("more than 4096 agents"), std::string::npos);
}

TEST(AgentsFile, MissingFileIsAnError) {
  std::vector<AgentSpec> out{{"tcp://a:1", ""}};
  const auto err = read_agents_file("/nonexistent/agents", out);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("/nonexistent/agents"), std::string::npos);
}

TEST(AgentsFile, MergeFollowsEachAgentOnce) {
  std::vector<AgentSpec> out;
  ASSERT_EQ(merge_agents({{"tcp://a:1", ""}}, {{"tcp://b:2", ""}, {"tcp://a:1", ""}}, out), std::nullopt);
  EXPECT_EQ(out, (std::vector<AgentSpec>{{"tcp://a:1", ""}, {"tcp://b:2", ""}}));
  EXPECT_TRUE(merge_agents({{"tcp://a:1", ""}}, {{"tcp://a:1", "a.pub"}}, out));
}

TEST(AgentsFile, DiffAddsRemovesAndReplacesAChangedKey) {
  const std::vector<AgentSpec> current{{"tcp://a:1", ""}, {"tcp://b:2", ""}, {"tcp://c:3", "c.pub"}};
  const std::vector<AgentSpec> desired{{"tcp://b:2", ""}, {"tcp://c:3", "c2.pub"}, {"tcp://d:4", ""}};
  const auto d = diff_agents(current, desired);
  EXPECT_EQ(d.remove, (std::vector<std::string>{"tcp://a:1", "tcp://c:3"}));
  EXPECT_EQ(d.add, (std::vector<AgentSpec>{{"tcp://c:3", "c2.pub"}, {"tcp://d:4", ""}}));
  const auto none = diff_agents(current, current);
  EXPECT_TRUE(none.add.empty() && none.remove.empty());
}

std::unique_ptr<transport::StreamServer> start_agent() {
  std::string err;
  auto s = transport::StreamServer::start({.endpoint = "tcp://127.0.0.1:*"}, err);
  EXPECT_TRUE(s) << err;
  return s;
}

// What a SIGHUP does to the fan-in: a new agent's node appears for viewers,
// a removed agent's node is gone for them, and the other stays.
TEST(FanInAgents, AddedAgentAppearsRemovedAgentsNodeIsGone) {
  auto a = start_agent();
  auto b = start_agent();
  ASSERT_TRUE(a->publish(keyframe("a@h", 1, 100)));
  ASSERT_TRUE(b->publish(keyframe("b@h", 1, 200)));
  std::string err;
  auto fan = FanIn::start({.agents = {a->bound_endpoint()}, .server = {.endpoint = "tcp://127.0.0.1:*"}}, err);
  ASSERT_TRUE(fan) << err;
  auto viewer = transport::StreamClient::start(fan->listen_endpoint(), err);
  ASSERT_TRUE(viewer) << err;
  ASSERT_TRUE(wait_until([&] { return find_node(viewer->snapshots(), "a@h") != nullptr; }));

  EXPECT_FALSE(fan->add_agent(a->bound_endpoint(), {}, err));
  EXPECT_NE(err.find("followed already"), std::string::npos) << err;
  EXPECT_FALSE(fan->add_agent("tcp://127.0.0.1:*", {}, err));
  ASSERT_TRUE(fan->add_agent(b->bound_endpoint(), {}, err)) << err;
  ASSERT_TRUE(wait_until([&] {
    const auto nb = find_node(viewer->snapshots(), "b@h");
    return nb && nb->gauges().process_count() == 200;
  })) << "the added agent's node never reached the viewer";
  EXPECT_EQ(fan->stats().agents.size(), 2u);

  ASSERT_TRUE(fan->remove_agent(a->bound_endpoint()));
  EXPECT_FALSE(fan->remove_agent(a->bound_endpoint()));
  ASSERT_TRUE(wait_until([&] {
    auto snaps = viewer->snapshots();
    return find_node(snaps, "a@h") == nullptr && find_node(snaps, "b@h") != nullptr;
  })) << "the removed agent's node is still shown";
  const auto stats = fan->stats();
  ASSERT_EQ(stats.agents.size(), 1u);
  EXPECT_EQ(stats.agents[0].endpoint, b->bound_endpoint());
  EXPECT_EQ(fan->snapshots().size(), 1u);

  // The node may come back through an agent added again.
  ASSERT_TRUE(a->publish(keyframe("a@h", 2, 110)));
  ASSERT_TRUE(fan->add_agent(a->bound_endpoint(), {}, err)) << err;
  ASSERT_TRUE(wait_until([&] {
    const auto na = find_node(viewer->snapshots(), "a@h");
    return na && na->gauges().process_count() == 110;
  }));
}

}  // namespace
}  // namespace beamscope::collector
