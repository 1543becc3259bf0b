// ReplayFeed: `beamscope --replay` shows the state a recording holds at the
// time the bar asks for (ground truth: the fleet the same frames built),
// decodes at most every kDecodeEveryS however often the bar asks, plays
// with the clock and stops at the end.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "beamscope/protocol/history_series.hpp"

#include "recording_fixtures.hpp"
#include "replay_feed.hpp"

namespace beamscope::gui {
namespace {

// Node name -> snapshot bytes: what the inspector is handed.
std::map<std::string, std::string> shown(const ReplayFeed& feed) {
  std::map<std::string, std::string> out;
  for (const auto& kf : feed.snapshots()) out[kf->info().node()] = kf->SerializeAsString();
  return out;
}

// The recording's ground truth after tick k, without the sequence numbers.
std::map<std::string, std::string> truth(const testing::Written& w, std::size_t k) {
  std::map<std::string, std::string> out;
  for (const auto& [name, state] : w.after_tick[k]) out[name] = state.substr(state.find('|') + 1);
  return out;
}

class Replay : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::FleetGen gen({.nodes = 3, .hot = 20, .tree = 10});
    written_ = testing::write_fleet("gui_replay.bsrec", gen, 40, {.segment_us = 10'000'000});
  }
  testing::Written written_;
};

TEST_F(Replay, OpensAtTheTimeAskedAndShowsTheStateThere) {
  std::string error;
  auto end = ReplayFeed::open(written_.path, "", error);
  ASSERT_TRUE(end) << error;
  EXPECT_EQ(end->at_us(), written_.tick_us.back());
  EXPECT_EQ(shown(*end), truth(written_, 39));
  const ReplayControl c = end->control();
  EXPECT_TRUE(c.active);
  EXPECT_EQ(c.first_us, written_.tick_us.front());
  EXPECT_EQ(c.last_us, written_.tick_us.back());

  auto start = ReplayFeed::open(written_.path, "+12s", error);
  ASSERT_TRUE(start) << error;
  EXPECT_EQ(start->at_us(), written_.tick_us[12]);
  EXPECT_EQ(shown(*start), truth(written_, 12));

  EXPECT_FALSE(ReplayFeed::open(written_.path, "yesterday", error));
  EXPECT_NE(error.find("--at yesterday"), std::string::npos) << error;
  EXPECT_FALSE(ReplayFeed::open(testing::temp_path("none.bsrec"), "", error));
}

TEST_F(Replay, TheBarSeeksAtMostFourTimesASecond) {
  std::string error;
  auto feed = ReplayFeed::open(written_.path, "start", error);
  ASSERT_TRUE(feed) << error;
  ReplayControl c = feed->control();
  c.seek(written_.tick_us[25]);
  EXPECT_TRUE(feed->update(c, 100.0));
  EXPECT_EQ(c.at_us, written_.tick_us[25]);
  EXPECT_EQ(shown(*feed), truth(written_, 25));
  // Dragged on at once: the decode waits for the bound, then shows the last ask.
  c.seek(written_.tick_us[3]);
  EXPECT_FALSE(feed->update(c, 100.1));
  c.seek(written_.tick_us[4]);
  EXPECT_FALSE(feed->update(c, 100.2));
  EXPECT_TRUE(feed->update(c, 100.3));
  EXPECT_EQ(shown(*feed), truth(written_, 4));
  // Past either end: held at it.
  c.seek(written_.tick_us.back() + 3'600'000'000);
  EXPECT_TRUE(feed->update(c, 101.0));
  EXPECT_EQ(c.at_us, written_.tick_us.back());
  EXPECT_FALSE(feed->update(c, 102.0));  // nothing asked: nothing decoded
}

TEST_F(Replay, PlaysWithTheClockAndStopsAtTheEnd) {
  std::string error;
  auto feed = ReplayFeed::open(written_.path, "+10s", error);
  ASSERT_TRUE(feed) << error;
  ReplayControl c = feed->control();
  c.playing = true;
  EXPECT_FALSE(feed->update(c, 50.0));  // the clock starts here
  EXPECT_TRUE(feed->update(c, 55.0));   // five seconds later
  EXPECT_EQ(c.at_us, written_.tick_us[15]);
  EXPECT_EQ(shown(*feed), truth(written_, 15));
  // A seek while playing plays on from there.
  c.seek(written_.tick_us[30]);
  EXPECT_TRUE(feed->update(c, 56.0));
  EXPECT_EQ(c.at_us, written_.tick_us[30]);
  EXPECT_TRUE(feed->update(c, 58.0));
  EXPECT_EQ(c.at_us, written_.tick_us[32]);
  // The end: held there, playing stops.
  EXPECT_TRUE(feed->update(c, 100.0));
  EXPECT_EQ(c.at_us, written_.tick_us.back());
  EXPECT_FALSE(c.playing);
  // Play again from the end: from the start.
  c.playing = true;
  EXPECT_TRUE(feed->update(c, 200.0));
  EXPECT_EQ(c.at_us, written_.tick_us.front());
}

// The past the feed hands over after a seek, waited for (built on a worker).
std::map<std::string, v1::History> past(ReplayFeed& feed) {
  for (int i = 0; i < 1000 && feed.history_pending(); ++i) {
    auto h = feed.take_histories();
    if (!h.empty()) return h;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return {};
}

// Every node's History is every tick from the file's start up to tick k
// (the charts' hour is longer than the file), values as recorded.
void expect_ticks_up_to(const testing::Written& w, std::size_t k, const std::map<std::string, v1::History>& got) {
  ASSERT_EQ(got.size(), w.after_tick[k].size());
  for (const auto& [node, h] : got) {
    const auto samples = protocol::history_samples(h);
    ASSERT_EQ(samples.size(), k + 1) << node;
    for (std::size_t i = 0; i <= k; ++i) {
      v1::Keyframe kf;
      const std::string& state = w.after_tick[i].at(node);
      ASSERT_TRUE(kf.ParseFromString(state.substr(state.find('|') + 1)));
      EXPECT_EQ(samples[i].uptime_ms, kf.gauges().uptime_ms()) << node << " tick " << i;
      EXPECT_EQ(samples[i][v1::GaugeColumn::PROCESS_COUNT], kf.gauges().process_count()) << node << " tick " << i;
      EXPECT_EQ(samples[i].time_us, w.tick_us[i]);
    }
  }
}

TEST_F(Replay, OpenAndSeeksHandOverThePastBeforeTheTime) {
  std::string error;
  auto feed = ReplayFeed::open(written_.path, "+25s", error);
  ASSERT_TRUE(feed) << error;
  expect_ticks_up_to(written_, 25, past(*feed));
  EXPECT_FALSE(feed->history_pending());
  // Back across segment starts (their checkpoints repeat a tick: once only).
  ReplayControl c = feed->control();
  c.seek(written_.tick_us[7]);
  EXPECT_TRUE(feed->update(c, 100.0));
  EXPECT_TRUE(feed->history_pending());
  expect_ticks_up_to(written_, 7, past(*feed));
  c.seek(written_.tick_us[33]);
  EXPECT_TRUE(feed->update(c, 101.0));
  expect_ticks_up_to(written_, 33, past(*feed));
  // Playing on asks for nothing: the model's own ticks continue the charts.
  c.playing = true;
  EXPECT_FALSE(feed->update(c, 102.0));
  EXPECT_TRUE(feed->update(c, 104.0));
  EXPECT_FALSE(feed->history_pending());
}

}  // namespace
}  // namespace beamscope::gui
