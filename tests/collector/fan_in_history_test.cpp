// The collector's history through real sockets: an "agent" (a real
// StreamServer that sends a History after its keyframe, as the agent
// does) feeds a FanIn with a HistoryStore; the History backfills the
// store, HistoryRequests are answered from it, a streaming viewer gets a
// History after the keyframe, and /metrics shows its memory.
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include <prometheus/text_serializer.h>

#include "beamscope/collector/collector_metrics.hpp"
#include "beamscope/collector/fan_in.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "stream_fixtures.hpp"

namespace beamscope::collector {
namespace {

using testing::wait_until;

constexpr std::int64_t kNow = 1'800'000'000'000'000;

// A keyframe of `node` at tick `i` (1 s apart; i*7 processes).
v1::Envelope tick(const std::string& node, std::uint64_t seq, int i) {
  auto env = testing::keyframe(node, seq, 1000 + i * 7);
  env.set_timestamp_us(kNow + i * 1'000'000LL);
  env.mutable_keyframe()->set_sampled_at_us(env.timestamp_us());
  env.mutable_keyframe()->mutable_gauges()->set_uptime_ms(static_cast<std::uint64_t>(100'000 + i * 1000));
  return env;
}

// The agent's ring before the collector came: ticks -60..-1.
std::optional<protocol::Envelope> agent_history() {
  protocol::SampleRing ring(60);
  for (int i = -60; i < 0; ++i) ring.push(protocol::gauge_sample(tick("a@h", 0, i).keyframe()));
  protocol::Envelope env;
  protocol::append_history(ring, 0, *env.mutable_history());
  env.mutable_history()->set_window_s(600);
  return env;
}

v1::HistoryRequest request(const std::string& series) {
  v1::HistoryRequest r;
  r.set_request_id(42);
  r.set_series(series);
  return r;
}

TEST(FanInHistory, BackfillsRecordsAndAnswers) {
  std::string err;
  auto agent = transport::StreamServer::start(
      {.endpoint = "tcp://127.0.0.1:*", .history_for = [](const std::string&) { return agent_history(); }}, err);
  ASSERT_TRUE(agent) << err;
  ASSERT_TRUE(agent->publish(tick("a@h", 1, 0)));
  HistoryStore store;
  auto fan = FanIn::start(
      {.agents = {agent->bound_endpoint()}, .server = {.endpoint = "tcp://127.0.0.1:*"}, .history = &store}, err);
  ASSERT_TRUE(fan) << err;
  // The keyframe recorded and the agent's 60 s before it backfilled.
  ASSERT_TRUE(wait_until([&] { return store.stats().ticks == 61; })) << store.stats().ticks;
  EXPECT_EQ(store.stats().backfilled, 60u);
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(agent->publish(tick("a@h", 1 + i, i)));
  ASSERT_TRUE(wait_until([&] { return store.stats().ticks == 64; }));

  // A HistoryRequest to the collector: answered from the store.
  auto a = transport::fetch_history(fan->listen_endpoint(), "a@h", request("process_count"),
                                    std::chrono::milliseconds(5000), err);
  ASSERT_TRUE(a) << err;
  ASSERT_TRUE(a->error().empty()) << a->error();
  EXPECT_EQ(a->request_id(), 42u);
  ASSERT_EQ(a->points_size(), 64);
  for (int k = 0; k < 64; ++k) {
    EXPECT_EQ(a->points(k).time_us(), kNow + (k - 60) * 1'000'000LL);
    EXPECT_EQ(a->points(k).value(), 1000 + (k - 60) * 7);
  }
  // Unknown node or series: the error in the answer.
  auto none = transport::fetch_history(fan->listen_endpoint(), "b@h", request("process_count"),
                                       std::chrono::milliseconds(5000), err);
  ASSERT_TRUE(none) << err;
  EXPECT_EQ(none->error(), "this collector keeps no history of node b@h");
  auto bogus = transport::fetch_history(fan->listen_endpoint(), "a@h", request("bogus"),
                                        std::chrono::milliseconds(5000), err);
  ASSERT_TRUE(bogus) << err;
  EXPECT_NE(bogus->error().find("unknown series bogus"), std::string::npos) << bogus->error();

  // A streaming viewer: the collector's History right after the keyframe.
  std::mutex mu;
  std::vector<protocol::Envelope> histories;
  auto viewer = transport::StreamClient::start(
      fan->listen_endpoint(), err, [](const protocol::SharedEnvelope&) {}, [](const std::string&, const std::string&) {},
      [&](const protocol::Envelope& env) {
        std::lock_guard lock(mu);
        if (env.has_history()) histories.push_back(env);
      });
  ASSERT_TRUE(viewer) << err;
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(mu);
    return !histories.empty();
  }));
  viewer->stop();
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(histories[0].node(), "a@h");
    EXPECT_EQ(protocol::history_samples(histories[0].history()).size(), 64u);
  }

  // /metrics: the memory held, the limit and drops by kind.
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, make_collector_collectable(*fan)->Collect());
  const auto text = out.str();
  EXPECT_NE(text.find("beamscope_collector_history_bytes " + std::to_string(store.stats().bytes) + "\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("beamscope_collector_memory_limit_bytes 536870912\n"), std::string::npos);
  for (const char* kind : {"ticks", "minutes", "events", "alerts", "tree_changes"})
    EXPECT_NE(text.find(std::string("beamscope_collector_history_dropped_total{kind=\"") + kind + "\"} 0\n"),
              std::string::npos)
        << kind;
  EXPECT_NE(text.find("beamscope_collector_history_backfilled_total 60\n"), std::string::npos);
  fan->stop();
}

// A fleet: a viewer's Hello is answered with a keyframe and a History for
// every node; none may be lost to the viewer's send queue.
TEST(FanInHistory, AViewerOfAFleetGetsEveryNodesHistory) {
  constexpr int kNodes = 120;
  std::string err;
  auto agent = transport::StreamServer::start({.endpoint = "tcp://127.0.0.1:*", .queue_limit = 4096, .send_hwm = 1000}, err);
  ASSERT_TRUE(agent) << err;
  HistoryStore store;
  auto fan = FanIn::start(
      {.agents = {agent->bound_endpoint()}, .server = {.endpoint = "tcp://127.0.0.1:*"}, .history = &store}, err);
  ASSERT_TRUE(fan) << err;
  for (int n = 0; n < kNodes; ++n) ASSERT_TRUE(agent->publish(tick("n" + std::to_string(n) + "@h", 1, 0)));
  ASSERT_TRUE(wait_until([&] { return store.stats().nodes == kNodes && fan->snapshots().size() == kNodes; },
                         std::chrono::milliseconds(15000)));
  std::mutex mu;
  std::set<std::string> keyframes, histories;
  auto viewer = transport::StreamClient::start(
      fan->listen_endpoint(), err,
      [&](const protocol::SharedEnvelope& frame) {
        std::lock_guard lock(mu);
        keyframes.insert(frame->node());
      },
      [](const std::string&, const std::string&) {},
      [&](const protocol::Envelope& env) {
        std::lock_guard lock(mu);
        if (env.has_history()) histories.insert(env.node());
      });
  ASSERT_TRUE(viewer) << err;
  const bool all = wait_until([&] {
    std::lock_guard lock(mu);
    return keyframes.size() == kNodes && histories.size() == kNodes;
  });
  viewer->stop();
  std::lock_guard lock(mu);
  EXPECT_TRUE(all) << keyframes.size() << " keyframes, " << histories.size() << " histories; "
                   << fan->stats().server.frames_dropped << " frames dropped";
  fan->stop();
}

}  // namespace
}  // namespace beamscope::collector
