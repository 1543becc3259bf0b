#include "beamscope/protocol/history_series.hpp"

#include <gtest/gtest.h>

#include <set>

#include "beamscope/protocol/framing.hpp"

namespace beamscope::protocol {
namespace {

using G = v1::GaugeColumn;

GaugeSample tick(std::int64_t t_s, std::uint64_t processes, std::uint64_t reductions) {
  GaugeSample s;
  s.time_us = t_s * 1000000;
  s.uptime_ms = static_cast<std::uint64_t>(t_s) * 1000;
  s.v[G::PROCESS_COUNT] = processes;
  s.v[G::REDUCTIONS_TOTAL] = reductions;
  return s;
}

TEST(HistorySeries, VocabularyNamesAreUniqueAndFound) {
  std::set<std::string_view> names;
  for (const auto& s : series_vocabulary()) {
    EXPECT_TRUE(names.insert(s.name).second) << s.name;
    EXPECT_EQ(find_series(s.name), &s);
  }
  EXPECT_EQ(find_series("bogus"), nullptr);
  EXPECT_NE(series_names().find("reductions_per_s"), std::string::npos);
}

TEST(HistorySeries, KeyframeToSampleAndBack) {
  v1::Keyframe kf;
  kf.set_sampled_at_us(123);
  auto* g = kf.mutable_gauges();
  g->set_process_count(42);
  g->set_uptime_ms(5000);
  g->set_reductions_total(999);
  g->mutable_memory()->set_total(1 << 20);
  for (double u : {0.25, 0.75}) {
    auto* s = g->add_scheduler_util();
    s->set_kind(v1::SchedulerUtil::NORMAL);
    s->set_utilization(u);
  }
  auto* dirty = g->add_scheduler_util();
  dirty->set_kind(v1::SchedulerUtil::DIRTY_CPU);
  dirty->set_utilization(1.0);
  kf.mutable_mailbox_histogram()->set_sum(17);
  const GaugeSample s = gauge_sample(kf);
  EXPECT_EQ(s.time_us, 123);
  EXPECT_EQ(s[G::PROCESS_COUNT], 42u);
  EXPECT_EQ(s[G::MEMORY_TOTAL], 1u << 20);
  EXPECT_EQ(s[G::MAILBOX_MESSAGES], 17u);
  EXPECT_EQ(s[G::SCHEDULER_UTIL_PPM], 500000u);  // normal schedulers only
  v1::Keyframe back;
  fill_keyframe(s, back);
  EXPECT_EQ(gauge_sample(back).v, s.v);
  EXPECT_EQ(back.gauges().uptime_ms(), 5000u);
}

TEST(HistorySeries, RatesFromCountersNotAcrossRestarts) {
  const auto* rate = find_series("reductions_per_s");
  ASSERT_NE(rate, nullptr);
  const auto a = tick(10, 1, 1000), b = tick(12, 1, 5000);
  EXPECT_EQ(series_value(*rate, a, nullptr), std::nullopt);
  EXPECT_DOUBLE_EQ(*series_value(*rate, b, &a), 2000.0);
  EXPECT_EQ(series_value(*rate, a, &b), std::nullopt);  // uptime went back: a restart
  auto c = tick(13, 1, 10);
  EXPECT_EQ(series_value(*rate, c, &b), std::nullopt);  // counter went back
  EXPECT_DOUBLE_EQ(*series_value(*find_series("process_count"), a, nullptr), 1.0);
}

TEST(HistorySeries, RingOverwritesOldestAndDrops) {
  SampleRing ring(3);
  for (int i = 1; i <= 5; ++i) ring.push(tick(i, i, 0));
  ASSERT_EQ(ring.size(), 3u);
  EXPECT_EQ(ring[0][G::PROCESS_COUNT], 3u);
  EXPECT_EQ(ring.back()[G::PROCESS_COUNT], 5u);
  EXPECT_EQ(ring.drop_before(4 * 1000000), 1u);
  EXPECT_EQ(ring[0][G::PROCESS_COUNT], 4u);
  ring.drop_newest();
  EXPECT_EQ(ring.size(), 1u);
  EXPECT_EQ(ring.bytes(), 3 * sizeof(GaugeSample));
  SampleRing none(0);
  none.push(tick(1, 1, 1));
  EXPECT_TRUE(none.empty());
}

TEST(HistorySeries, HistoryRoundTripsThroughTheWire) {
  SampleRing ring(100);
  for (int i = 0; i < 50; ++i) ring.push(tick(i, 100 + i, 1000u * i));
  Envelope env;
  append_history(ring, 10, *env.mutable_history());
  const std::string bytes = encode(env, "n@h", 0);
  auto decoded = decode(bytes);
  ASSERT_TRUE(std::holds_alternative<Envelope>(decoded));
  const auto samples = history_samples(std::get<Envelope>(decoded).history());
  ASSERT_EQ(samples.size(), 40u);
  for (std::size_t i = 0; i < samples.size(); ++i) EXPECT_EQ(samples[i].v, ring[i + 10].v);
  EXPECT_EQ(samples[0].uptime_ms, 10000u);
}

TEST(HistorySeries, MismatchedColumnsAreOutOfBounds) {
  SampleRing ring(4);
  for (int i = 0; i < 4; ++i) ring.push(tick(i, 1, 1));
  Envelope env;
  append_history(ring, 0, *env.mutable_history());
  env.mutable_history()->mutable_columns(3)->add_values(7);
  auto decoded = decode(encode(env, "n@h", 0));
  ASSERT_TRUE(std::holds_alternative<DecodeError>(decoded));
  EXPECT_EQ(std::get<DecodeError>(decoded), DecodeError::kOutOfBounds);
  EXPECT_TRUE(history_samples(env.history()).empty());
  // A History without a node is no data a viewer can place.
  Envelope nameless;
  nameless.mutable_history();
  EXPECT_EQ(std::get<DecodeError>(decode(encode(nameless, "", 0))), DecodeError::kNoBody);
}

TEST(HistorySeries, PointsWithinRangeOnePerTick) {
  SampleRing ring(10);
  for (int i = 0; i < 10; ++i) ring.push(tick(i, i, 100u * i));
  v1::HistoryAnswer a;
  append_points(*find_series("reductions_per_s"), ring, 3 * 1000000, 6 * 1000000, a);
  ASSERT_EQ(a.points_size(), 4);
  EXPECT_EQ(a.points(0).time_us(), 3 * 1000000);
  EXPECT_DOUBLE_EQ(a.points(0).value(), 100.0);
  EXPECT_EQ(a.points(0).span_ms(), 1000u);
  v1::HistoryAnswer all;
  append_points(*find_series("process_count"), ring, 0, 0, all);
  EXPECT_EQ(all.points_size(), 10);
}

}  // namespace
}  // namespace beamscope::protocol
