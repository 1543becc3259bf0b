// A node's state at a time, from the collector's recording (protocol 1.6),
// and every node's at once (1.7):
// answer_state against frames written by the real recording Writer, a
// file still being written, and the question asked through a real FanIn
// over loopback sockets, as a viewer asks it.
#include <filesystem>
#include <mutex>
#include <unistd.h>

#include <gtest/gtest.h>

#include "beamscope/collector/fan_in.hpp"
#include "beamscope/collector/past_states.hpp"
#include "beamscope/protocol/history_series.hpp"
#include "beamscope/recording/writer.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "stream_fixtures.hpp"

namespace beamscope::collector {
namespace {

using testing::wait_until;

constexpr std::int64_t kNow = 1'800'000'000'000'000;
constexpr std::int64_t kSecond = 1'000'000;

// Tick i of node a@h, recorded at kNow + i s: a keyframe at 0, then deltas
// where the process count is 1000 + 7i and <0.9.0>'s mailbox 10i.
v1::Envelope tick(int i) {
  auto env = i == 0 ? testing::keyframe("a@h", 1, 1000) : testing::delta("a@h", 1 + i, 1000 + 7 * i, "<0.9.0>", 10 * i);
  env.set_timestamp_us(kNow + i * kSecond);
  auto* g = i == 0 ? env.mutable_keyframe()->mutable_gauges() : env.mutable_delta()->mutable_gauges();
  g->set_uptime_ms(static_cast<std::uint64_t>(100'000 + i * 1000));
  return env;
}

// Tick i of node b@h, which starts at tick `first` of a@h's clock: its
// process count is 2000 + i.
v1::Envelope tick_b(int i, int first) {
  const auto seq = static_cast<std::uint64_t>(1 + i - first);
  auto env = i == first ? testing::keyframe("b@h", seq, 2000 + i) : testing::delta("b@h", seq, 2000 + i, "<0.7.0>", 1);
  env.set_timestamp_us(kNow + i * kSecond);
  auto* g = i == first ? env.mutable_keyframe()->mutable_gauges() : env.mutable_delta()->mutable_gauges();
  g->set_uptime_ms(static_cast<std::uint64_t>(5'000 + (i - first) * 1000));
  return env;
}

class PastStatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("beamscope-past-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "fleet.bsrec").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Records ticks [from, to) and writes them out.
  void record(recording::Writer& w, int from, int to) {
    for (int i = from; i < to; ++i) ASSERT_TRUE(w.append(tick(i), kNow + i * kSecond)) << w.error();
    ASSERT_TRUE(w.flush()) << w.error();
  }
  // Ticks [0, ticks) of a@h and, from tick `b_from`, of b@h, written out.
  void record_two(int ticks, int b_from) {
    auto w = writer();
    ASSERT_TRUE(w);
    for (int i = 0; i < ticks; ++i) {
      ASSERT_TRUE(w->append(tick(i), kNow + i * kSecond)) << w->error();
      if (i >= b_from) {
        ASSERT_TRUE(w->append(tick_b(i, b_from), kNow + i * kSecond)) << w->error();
      }
    }
    w->close();
  }
  std::unique_ptr<recording::Writer> writer() {
    std::string err;
    auto w = recording::Writer::open(path_, {}, err);
    EXPECT_TRUE(w) << err;
    return w;
  }

  std::filesystem::path dir_;
  std::string path_;
};

v1::HistoryRequest state_request(std::int64_t at_us) {
  v1::HistoryRequest r;
  r.set_request_id(7);
  r.set_log(v1::HistoryRequest::STATE);
  r.set_to_us(at_us);
  return r;
}

std::uint64_t mailbox_of(const v1::Keyframe& kf, const std::string& pid) {
  for (const auto& p : kf.processes())
    if (p.pid() == pid) return p.message_queue_len();
  return UINT64_MAX;
}

TEST_F(PastStatesTest, AnswersTheNodeAsItWasAndTheHourBefore) {
  auto w = writer();
  record(*w, 0, 90);  // 90 s: five 20 s segments
  w->close();
  std::string err;
  auto reader = recording::Reader::open(path_, err);
  ASSERT_TRUE(reader) << err;
  recording::HistoryIndex index(*reader);

  // Half a second after tick 50: the node after tick 50, not 51.
  auto a = answer_state(*reader, index, "a@h", state_request(kNow + 50 * kSecond + kSecond / 2));
  ASSERT_TRUE(a.error().empty()) << a.error();
  EXPECT_EQ(a.request_id(), 7u);
  EXPECT_EQ(a.log(), v1::HistoryRequest::STATE);
  EXPECT_EQ(a.oldest_us(), kNow);
  EXPECT_EQ(a.newest_us(), kNow + 89 * kSecond);
  EXPECT_EQ(a.state().gauges().process_count(), 1000u + 7 * 50);
  EXPECT_EQ(mailbox_of(a.state(), "<0.9.0>"), 500u);
  EXPECT_EQ(a.state_us(), kNow + 50 * kSecond);
  // Its charts: ticks 0..50, the last one tick 50's.
  const auto& h = a.state_history();
  ASSERT_EQ(h.time_us_size(), 51);
  EXPECT_EQ(h.time_us(0), kNow);
  EXPECT_EQ(h.time_us(50), kNow + 50 * kSecond);
  EXPECT_EQ(h.uptime_ms(50), 150'000u);

  // 0: the newest recorded.
  auto newest = answer_state(*reader, index, "a@h", state_request(0));
  ASSERT_TRUE(newest.error().empty()) << newest.error();
  EXPECT_EQ(newest.state().gauges().process_count(), 1000u + 7 * 89);

  // The span alone.
  auto span_req = state_request(0);
  span_req.set_span_only(true);
  auto span = answer_state(*reader, index, "a@h", span_req);
  EXPECT_TRUE(span.error().empty());
  EXPECT_FALSE(span.has_state());
  EXPECT_EQ(span.oldest_us(), kNow);
  EXPECT_EQ(span.newest_us(), kNow + 89 * kSecond);

  // Before the file, and a node it never held: said, with the span to seek in.
  auto before = answer_state(*reader, index, "a@h", state_request(kNow - kSecond));
  EXPECT_NE(before.error().find("before the collector's recording starts"), std::string::npos) << before.error();
  EXPECT_FALSE(before.has_state());
  EXPECT_EQ(before.oldest_us(), kNow);
  auto other = answer_state(*reader, index, "b@h", state_request(kNow + 10 * kSecond));
  EXPECT_NE(other.error().find("no node 'b@h'"), std::string::npos) << other.error();
}

// Every node at once (protocol 1.7): one answer a node, by name, each
// counting them all; the charts of the node asked for alone.
TEST_F(PastStatesTest, EveryNodeAtOnceWithTheShownNodesCharts) {
  ASSERT_NO_FATAL_FAILURE(record_two(40, 20));
  std::string err;
  auto reader = recording::Reader::open(path_, err);
  ASSERT_TRUE(reader) << err;
  recording::HistoryIndex index(*reader);
  auto every = [](std::int64_t at_us) {
    auto r = state_request(at_us);
    r.set_every_node(true);
    return r;
  };

  auto both = answer_every_state(*reader, index, "b@h", every(kNow + 30 * kSecond + kSecond / 2));
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].node(), "a@h");
  EXPECT_EQ(both[1].node(), "b@h");
  for (const auto& env : both) {
    const auto& a = env.history_answer();
    ASSERT_TRUE(a.error().empty()) << a.error();
    EXPECT_EQ(a.request_id(), 7u);
    EXPECT_EQ(a.nodes(), 2u);
    EXPECT_EQ(a.oldest_us(), kNow);
    EXPECT_EQ(a.newest_us(), kNow + 39 * kSecond);
    EXPECT_EQ(a.state_us(), kNow + 30 * kSecond);
  }
  EXPECT_EQ(both[0].history_answer().state().gauges().process_count(), 1000u + 7 * 30);
  EXPECT_EQ(both[1].history_answer().state().gauges().process_count(), 2030u);
  EXPECT_FALSE(both[0].history_answer().has_state_history());
  ASSERT_EQ(both[1].history_answer().state_history().time_us_size(), 11);  // ticks 20..30 of b@h
  EXPECT_EQ(both[1].history_answer().state_history().time_us(0), kNow + 20 * kSecond);

  // Before b@h came: a@h alone, with its charts when it is the one asked for.
  auto one = answer_every_state(*reader, index, "a@h", every(kNow + 10 * kSecond));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].node(), "a@h");
  EXPECT_EQ(one[0].history_answer().nodes(), 1u);
  EXPECT_EQ(one[0].history_answer().state().gauges().process_count(), 1000u + 7 * 10);
  EXPECT_EQ(one[0].history_answer().state_history().time_us_size(), 11);

  // Before the file: one answer, for the node asked about, with the error.
  auto before = answer_every_state(*reader, index, "b@h", every(kNow - kSecond));
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].node(), "b@h");
  EXPECT_EQ(before[0].history_answer().nodes(), 1u);
  EXPECT_NE(before[0].history_answer().error().find("before the collector's recording starts"), std::string::npos);
  // The span alone is one answer too.
  auto span_req = every(0);
  span_req.set_span_only(true);
  auto span = answer_every_state(*reader, index, "a@h", span_req);
  ASSERT_EQ(span.size(), 1u);
  EXPECT_FALSE(span[0].history_answer().has_state());
  EXPECT_EQ(span[0].history_answer().newest_us(), kNow + 39 * kSecond);
}

TEST_F(PastStatesTest, EmptyRecordingSaysSo) {
  auto w = writer();
  std::string err;
  auto reader = recording::Reader::open(path_, err);
  ASSERT_TRUE(reader) << err;
  recording::HistoryIndex index(*reader);
  auto a = answer_state(*reader, index, "a@h", state_request(0));
  EXPECT_EQ(a.error(), "the collector's recording holds nothing yet");
}

// The collector reads the file its recorder is appending to: a later
// question sees what was written since, charts included (the segment that
// was last has grown and is indexed again).
TEST_F(PastStatesTest, ReadsTheFileItsRecorderWrites) {
  auto w = writer();
  record(*w, 0, 10);
  std::mutex mu;
  std::vector<protocol::Envelope> answers;
  auto past = PastStates::start(path_, [&](const std::string& viewer, const protocol::Envelope& a) {
    EXPECT_EQ(viewer, "viewer-1");
    std::lock_guard lock(mu);
    answers.push_back(a);
    return true;
  });
  auto ask = [&] {
    protocol::Envelope req;
    req.set_node("a@h");
    *req.mutable_history_request() = state_request(0);
    past->ask("viewer-1", req);
  };
  auto count = [&] {
    std::lock_guard lock(mu);
    return answers.size();
  };
  ask();
  ASSERT_TRUE(wait_until([&] { return count() == 1; }));
  record(*w, 10, 15);  // within the first segment: it grows
  ask();
  ASSERT_TRUE(wait_until([&] { return count() == 2; }));
  record(*w, 15, 45);  // and two new segments
  ask();
  ASSERT_TRUE(wait_until([&] { return count() == 3; }));
  past->stop();
  ask();  // after stop: dropped, no answer
  EXPECT_EQ(count(), 3u);

  const int last[] = {9, 14, 44};
  for (int k = 0; k < 3; ++k) {
    const auto& a = answers[k].history_answer();
    ASSERT_TRUE(a.error().empty()) << a.error();
    EXPECT_EQ(answers[k].node(), "a@h");
    EXPECT_EQ(a.state().gauges().process_count(), 1000u + 7 * last[k]) << k;
    EXPECT_EQ(a.newest_us(), kNow + last[k] * kSecond) << k;
    EXPECT_EQ(a.state_history().time_us_size(), last[k] + 1) << k;
  }
  const auto s = past->stats();
  EXPECT_EQ(s.answered, 3u);
  EXPECT_EQ(s.refused, 0u);
}

// A fleet's answers come at once: a viewers' queue without room refuses
// some, and they are offered again until it takes them; one it never
// takes is counted as dropped after kReplyPatience, never blocking for good.
TEST_F(PastStatesTest, AnswersWaitForRoomInTheViewersQueue) {
  ASSERT_NO_FATAL_FAILURE(record_two(10, 0));
  std::mutex mu;
  std::vector<std::string> taken;
  int refusals = 0;
  bool full_for_good = false;
  auto past = PastStates::start(path_, [&](const std::string&, const protocol::Envelope& a) {
    std::lock_guard lock(mu);
    if (full_for_good || refusals++ % 4 != 3) return false;  // room once in four offers
    taken.push_back(a.node());
    return true;
  });
  protocol::Envelope req;
  req.set_node("a@h");
  *req.mutable_history_request() = state_request(0);
  req.mutable_history_request()->set_every_node(true);
  past->ask("viewer-1", req);
  ASSERT_TRUE(wait_until([&] { return past->stats().answered == 2; }));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(taken, (std::vector<std::string>{"a@h", "b@h"}));
    EXPECT_EQ(refusals, 8);
    full_for_good = true;
  }
  past->ask("viewer-1", req);
  ASSERT_TRUE(wait_until([&] { return past->stats().dropped == 2; }, std::chrono::milliseconds(10000)));
  EXPECT_EQ(past->stats().answered, 2u);
}

TEST_F(PastStatesTest, AskedThroughTheCollectorAsAViewerAsks) {
  ASSERT_NO_FATAL_FAILURE(record_two(30, 10));
  std::string err;
  auto fan = FanIn::start({.server = {.endpoint = "tcp://127.0.0.1:*"}, .recording = path_}, err);
  ASSERT_TRUE(fan) << err;
  auto a = transport::fetch_history(fan->listen_endpoint(), "a@h", state_request(kNow + 20 * kSecond),
                                    std::chrono::milliseconds(5000), err);
  ASSERT_TRUE(a) << err;
  ASSERT_TRUE(a->error().empty()) << a->error();
  EXPECT_EQ(a->state().gauges().process_count(), 1000u + 7 * 20);
  EXPECT_EQ(a->state_history().time_us_size(), 21);
  auto none = transport::fetch_history(fan->listen_endpoint(), "c@h", state_request(kNow + 20 * kSecond),
                                       std::chrono::milliseconds(5000), err);
  ASSERT_TRUE(none) << err;
  EXPECT_NE(none->error().find("no node 'c@h'"), std::string::npos) << none->error();
  const auto stats = fan->stats();
  ASSERT_TRUE(stats.past);
  EXPECT_EQ(stats.past->answered, 1u);
  EXPECT_EQ(stats.past->refused, 1u);

  // Every node at once, over the socket as the inspector asks: each
  // answer reaches the viewer.
  std::mutex mu;
  std::vector<protocol::Envelope> replies;
  auto viewer = transport::StreamClient::start(
      fan->listen_endpoint(), err, {}, {},
      [&](const protocol::Envelope& reply) {
        std::lock_guard lock(mu);
        replies.push_back(reply);
      });
  ASSERT_TRUE(viewer) << err;
  protocol::Envelope every;
  every.set_node("a@h");
  *every.mutable_history_request() = state_request(kNow + 20 * kSecond);
  every.mutable_history_request()->set_every_node(true);
  ASSERT_TRUE(viewer->request(every));
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(mu);
    return replies.size() >= 2;
  }));
  viewer->stop();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].node(), "a@h");
  EXPECT_EQ(replies[1].node(), "b@h");
  EXPECT_EQ(replies[0].history_answer().nodes(), 2u);
  EXPECT_EQ(replies[1].history_answer().nodes(), 2u);
  EXPECT_EQ(replies[0].history_answer().state().gauges().process_count(), 1000u + 7 * 20);
  EXPECT_EQ(replies[1].history_answer().state().gauges().process_count(), 2020u);
  EXPECT_EQ(replies[0].history_answer().state_history().time_us_size(), 21);  // the node asked about
  EXPECT_FALSE(replies[1].history_answer().has_state_history());
  EXPECT_EQ(fan->stats().past->answered, 3u);

  // A collector that records nothing says what would.
  auto plain = FanIn::start({.server = {.endpoint = "tcp://127.0.0.1:*"}}, err);
  ASSERT_TRUE(plain) << err;
  auto no = transport::fetch_history(plain->listen_endpoint(), "a@h", state_request(0),
                                     std::chrono::milliseconds(5000), err);
  ASSERT_TRUE(no) << err;
  EXPECT_NE(no->error().find("--record"), std::string::npos) << no->error();
}

}  // namespace
}  // namespace beamscope::collector
