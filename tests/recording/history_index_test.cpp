// HistoryIndex: a recording's ticks over a time range, a tick per node
// uptime, as History columns (ground truth: the generated frames' gauges);
// a range partly indexed gives what is indexed.
#include <gtest/gtest.h>

#include <algorithm>

#include "beamscope/recording/history_index.hpp"
#include "recording_fixtures.hpp"

namespace beamscope::recording {
namespace {

TEST(HistoryIndex, TicksWithinTheRangeOncePerUptime) {
  testing::FleetGen gen({.nodes = 2, .hot = 10, .tree = 5});
  const auto w = testing::write_fleet("history_index.bsrec", gen, 45, {.segment_us = 10'000'000});
  std::string error;
  auto reader = Reader::open(w.path, error);
  ASSERT_TRUE(reader) << error;
  HistoryIndex index(*reader);
  const std::int64_t from = w.tick_us[5], to = w.tick_us[31];
  const auto need = index.missing(from, to);
  ASSERT_GE(need.size(), 3u);  // 10 s segments
  EXPECT_TRUE(std::is_sorted(need.rbegin(), need.rend()));  // newest first
  for (auto s : need) index.add(s, from, to);
  EXPECT_TRUE(index.missing(from, to).empty());
  const auto hs = index.histories(from, to);
  ASSERT_EQ(hs.size(), 2u);
  for (const auto& [node, h] : hs) {
    const auto samples = protocol::history_samples(h);
    ASSERT_EQ(samples.size(), 27u) << node;  // ticks 5..31, checkpoints not repeated
    for (std::size_t i = 0; i < samples.size(); ++i) {
      v1::Keyframe kf;
      const std::string& state = w.after_tick[5 + i].at(node);
      ASSERT_TRUE(kf.ParseFromString(state.substr(state.find('|') + 1)));
      EXPECT_EQ(samples[i].time_us, w.tick_us[5 + i]);
      EXPECT_EQ(samples[i].uptime_ms, kf.gauges().uptime_ms());
      EXPECT_EQ(samples[i][v1::GaugeColumn::REDUCTIONS_TOTAL], kf.gauges().reductions_total());
    }
  }
  // Part of the range not indexed: left out, not invented.
  HistoryIndex partial(*reader);
  partial.add(need.front(), from, to);
  for (const auto& [node, h] : partial.histories(from, to)) EXPECT_LT(h.time_us_size(), 27) << node;
}

// The frame reader skips what a tick does not need and holds the mailbox
// sum a delta does not resend, as a full decode would see it.
TEST(HistoryIndex, FramesReadForTheirTickOnly) {
  v1::Envelope key;
  key.set_node("a@h");
  key.mutable_keyframe()->mutable_gauges()->set_uptime_ms(1000);
  key.mutable_keyframe()->mutable_mailbox_histogram()->set_sum(7);
  key.mutable_keyframe()->add_processes()->set_pid("<0.1.0>");
  v1::Envelope delta;
  delta.set_node("a@h");
  delta.mutable_delta()->mutable_gauges()->set_uptime_ms(2000);
  delta.mutable_delta()->mutable_gauges()->set_process_count(42);
  protocol::FrameGauges f;
  std::uint64_t sum = 0;
  ASSERT_TRUE(protocol::read_frame_gauges(key.SerializeAsString(), f));
  EXPECT_EQ(f.node, "a@h");
  auto s = protocol::frame_sample(f, sum, 5);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->uptime_ms, 1000u);
  EXPECT_EQ((*s)[v1::GaugeColumn::MAILBOX_MESSAGES], 7u);
  ASSERT_TRUE(protocol::read_frame_gauges(delta.SerializeAsString(), f));
  s = protocol::frame_sample(f, sum, 6);
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)[v1::GaugeColumn::MAILBOX_MESSAGES], 7u);  // held
  EXPECT_EQ((*s)[v1::GaugeColumn::PROCESS_COUNT], 42u);
  EXPECT_EQ(s->time_us, 6);
  delta.mutable_delta()->clear_gauges();
  delta.mutable_delta()->mutable_mailbox_histogram()->set_sum(3);
  ASSERT_TRUE(protocol::read_frame_gauges(delta.SerializeAsString(), f));
  EXPECT_FALSE(protocol::frame_sample(f, sum, 7));  // no tick, but the sum moves on
  EXPECT_EQ(sum, 3u);
  v1::Envelope gone;
  gone.set_node("a@h");
  gone.mutable_node_gone();
  EXPECT_FALSE(protocol::read_frame_gauges(gone.SerializeAsString(), f));
  EXPECT_FALSE(protocol::read_frame_gauges("\xff\xff garbage", f));
}

}  // namespace
}  // namespace beamscope::recording
