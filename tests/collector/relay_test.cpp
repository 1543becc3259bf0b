// Children-page requests through the collector: relayed to the agent that
// serves the node, answered to the viewer that asked (with its own
// request id), errors for unknown nodes and agents that stay silent.
#include <gtest/gtest.h>

#include <atomic>

#include "beamscope/collector/fan_in.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "stream_fixtures.hpp"

namespace beamscope::collector {
namespace {

using namespace std::chrono_literals;
using protocol::Envelope;
using testing::keyframe;
using testing::wait_until;

// An agent's stream server that answers each request with one child named
// after the agent, or stays silent when `answer` is false.
struct FakeAgent {
  std::string name;
  bool answer = true;
  std::atomic<int> asked{0};
  std::unique_ptr<transport::StreamServer> server;

  explicit FakeAgent(std::string agent_name, bool answers = true) : name(std::move(agent_name)), answer(answers) {
    transport::StreamServerOptions opts;
    opts.endpoint = "tcp://127.0.0.1:*";
    opts.on_request = [this](const std::string& viewer, const Envelope& req) {
      ++asked;
      if (!answer) return;
      Envelope env;
      env.set_node(req.node());
      auto* page = env.mutable_children_page();
      page->set_request_id(req.children_request().request_id());
      page->set_supervisor_id(req.children_request().supervisor_id());
      page->set_offset(req.children_request().offset());
      page->set_total(7);
      page->add_children()->set_id(req.children_request().supervisor_id() + "/from-" + name);
      server->reply(viewer, env);
    };
    std::string err;
    server = transport::StreamServer::start(opts, err);
    EXPECT_TRUE(server) << err;
  }
};

v1::ChildrenRequest ask(std::uint64_t id) {
  v1::ChildrenRequest req;
  req.set_request_id(id);
  req.set_supervisor_id("app/sup");
  req.set_limit(10);
  return req;
}

std::unique_ptr<FanIn> fan_in_over(std::vector<std::string> agents) {
  std::string err;
  auto fan = FanIn::start(
      {.agents = std::move(agents), .server = {.endpoint = "tcp://127.0.0.1:*"}, .request_timeout_ms = 1500}, err);
  EXPECT_TRUE(fan) << err;
  return fan;
}

TEST(Relay, RequestReachesTheAgentServingTheNode) {
  FakeAgent a("a"), b("b");
  ASSERT_TRUE(a.server->publish(keyframe("a@h", 1, 10)));
  ASSERT_TRUE(b.server->publish(keyframe("b@h", 1, 20)));
  auto fan = fan_in_over({a.server->bound_endpoint(), b.server->bound_endpoint()});
  ASSERT_TRUE(wait_until([&] { return fan->snapshots().size() == 2; }));

  std::string err;
  // Two viewers may pick the same request id; each gets its own answer.
  auto from_b = transport::fetch_children(fan->listen_endpoint(), "b@h", ask(5), 3000ms, err);
  ASSERT_TRUE(from_b) << err;
  EXPECT_EQ(from_b->request_id(), 5u);
  EXPECT_TRUE(from_b->error().empty()) << from_b->error();
  EXPECT_EQ(from_b->total(), 7u);
  ASSERT_EQ(from_b->children_size(), 1);
  EXPECT_EQ(from_b->children(0).id(), "app/sup/from-b");
  auto from_a = transport::fetch_children(fan->listen_endpoint(), "a@h", ask(5), 3000ms, err);
  ASSERT_TRUE(from_a) << err;
  EXPECT_EQ(from_a->children(0).id(), "app/sup/from-a");
  EXPECT_EQ(a.asked.load(), 1);
  EXPECT_EQ(b.asked.load(), 1);
  EXPECT_EQ(fan->stats().requests_relayed, 2u);
}

TEST(Relay, UnknownNodeIsAnsweredByTheCollector) {
  FakeAgent a("a");
  ASSERT_TRUE(a.server->publish(keyframe("a@h", 1, 10)));
  auto fan = fan_in_over({a.server->bound_endpoint()});
  ASSERT_TRUE(wait_until([&] { return fan->snapshots().size() == 1; }));
  std::string err;
  auto page = transport::fetch_children(fan->listen_endpoint(), "ghost@h", ask(9), 3000ms, err);
  ASSERT_TRUE(page) << err;
  EXPECT_EQ(page->request_id(), 9u);
  EXPECT_EQ(page->error(), "node ghost@h is not served by this collector");
  EXPECT_EQ(a.asked.load(), 0);
  EXPECT_EQ(fan->stats().requests_failed, 1u);
}

TEST(Relay, SilentAgentIsReportedAfterTheRelayTimeout) {
  FakeAgent quiet("quiet", /*answers=*/false);
  ASSERT_TRUE(quiet.server->publish(keyframe("q@h", 1, 10)));
  auto fan = fan_in_over({quiet.server->bound_endpoint()});
  ASSERT_TRUE(wait_until([&] { return fan->snapshots().size() == 1; }));
  // Keep the agent's stream alive, as a ticking agent would, so the
  // collector's timeout check runs.
  std::atomic<bool> ticking{true};
  std::thread ticker([&] {
    for (std::uint64_t seq = 2; ticking; ++seq) {
      quiet.server->publish(testing::delta("q@h", seq, 10, "<0.1.0>", seq));
      std::this_thread::sleep_for(200ms);
    }
  });
  std::string err;
  auto page = transport::fetch_children(fan->listen_endpoint(), "q@h", ask(3), 8000ms, err);
  ticking = false;
  ticker.join();
  ASSERT_TRUE(page) << err;
  EXPECT_EQ(quiet.asked.load(), 1);
  EXPECT_EQ(page->error(), "the agent of q@h did not answer within 1500 ms");
  EXPECT_EQ(fan->stats().requests_failed, 1u);
}

}  // namespace
}  // namespace beamscope::collector
