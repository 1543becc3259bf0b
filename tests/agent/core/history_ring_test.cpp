#include "history_ring.hpp"

#include <gtest/gtest.h>

namespace beamscope::agent {
namespace {

using G = v1::GaugeColumn;

v1::Keyframe tick(std::int64_t t_ms, std::uint64_t processes) {
  v1::Keyframe kf;
  kf.set_sampled_at_us(t_ms * 1000);
  kf.mutable_gauges()->set_uptime_ms(static_cast<std::uint64_t>(t_ms));
  kf.mutable_gauges()->set_process_count(processes);
  return kf;
}

v1::Event event(std::uint64_t id, std::int64_t t_ms, std::size_t reason_bytes = 10) {
  v1::Event e;
  e.set_id(id);
  e.set_time_us(t_ms * 1000);
  e.set_reason(std::string(reason_bytes, 'r'));
  return e;
}

TEST(HistoryRing, KeepsTheWindowOneSamplePerTick) {
  HistoryRing ring(10, 1000);  // 11 ticks
  for (int i = 0; i < 30; ++i) ring.record(tick(1000 * i, 100 + i));
  auto env = ring.history();
  ASSERT_TRUE(env);
  const auto samples = protocol::history_samples(env->history());
  ASSERT_EQ(samples.size(), 11u);
  EXPECT_EQ(samples.front()[G::PROCESS_COUNT], 119u);
  EXPECT_EQ(samples.back()[G::PROCESS_COUNT], 129u);
  EXPECT_EQ(env->history().window_s(), 10u);
  EXPECT_EQ(ring.stats().samples(), 11u);
}

TEST(HistoryRing, AnEarlyTickReplacesTheLastOne) {
  HistoryRing ring(60, 1000);
  ring.record(tick(1000, 1));
  ring.record(tick(2000, 2));
  ring.record(tick(2250, 3));  // an early publish (an alarm) 250 ms later
  ring.record(tick(3000, 4));
  const auto samples = protocol::history_samples(ring.history()->history());
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[1][G::PROCESS_COUNT], 3u);
}

TEST(HistoryRing, EventsOnceByIdWithinWindowAndBounds) {
  HistoryRing ring(10, 1000);
  auto kf = tick(1000, 1);
  *kf.add_events() = event(1, 900);
  *kf.add_events() = event(2, 950);
  ring.record(kf);
  ring.record(kf);  // keyframes repeat recent events
  EXPECT_EQ(ring.stats().events(), 2u);
  // Twenty seconds later both left the window: gone, not counted as dropped.
  ring.record(tick(21000, 1));
  EXPECT_EQ(ring.stats().events(), 0u);
  EXPECT_EQ(ring.stats().events_dropped_total(), 0u);
  // A burst past the count bound pushes out the oldest, counted.
  auto burst = tick(22000, 1);
  for (std::uint64_t id = 3; id < 3 + kMaxRingEvents + 10; ++id) *burst.add_events() = event(id, 22000);
  ring.record(burst);
  EXPECT_EQ(ring.stats().events(), kMaxRingEvents);
  EXPECT_EQ(ring.stats().events_dropped_total(), 10u);
  // Big events: the byte bound holds.
  auto big = tick(23000, 1);
  for (std::uint64_t id = 1000; id < 1200; ++id) *big.add_events() = event(id, 23000, 4000);
  ring.record(big);
  EXPECT_LE(ring.stats().bytes(), sizeof(HistoryRing) + 11 * sizeof(protocol::GaugeSample) + kMaxRingEventBytes);
}

TEST(HistoryRing, MemoryBoundAtTheDefaultAndTheLargestWindow) {
  HistoryRing def(600, 1000);
  def.record(tick(1000, 1));
  EXPECT_LE(def.stats().bytes(), 128u * 1024);
  HistoryRing largest(3600, 100);  // 36,000 ticks asked, 4096 kept
  for (int i = 0; i < 5000; ++i) largest.record(tick(100 * i, 1));
  EXPECT_EQ(largest.stats().samples(), protocol::kMaxHistorySamples);
  EXPECT_LE(largest.stats().bytes() + kMaxRingEventBytes, 1u << 20);
}

TEST(HistoryRing, DisabledKeepsNothingAndSaysSo) {
  HistoryRing off(0, 1000);
  off.record(tick(1000, 1));
  EXPECT_FALSE(off.history());
  EXPECT_EQ(off.stats().samples(), 0u);
  v1::HistoryRequest req;
  req.set_series("process_count");
  EXPECT_NE(off.answer(req).error().find("disabled"), std::string::npos);
}

TEST(HistoryRing, AnswersASeriesAndRefusesUnknownOnes) {
  HistoryRing ring(60, 1000);
  for (int i = 1; i <= 5; ++i) ring.record(tick(1000 * i, 10 * i));
  v1::HistoryRequest req;
  req.set_request_id(7);
  req.set_series("process_count");
  req.set_from_us(2000 * 1000);
  const auto a = ring.answer(req);
  EXPECT_EQ(a.request_id(), 7u);
  ASSERT_EQ(a.points_size(), 4);
  EXPECT_DOUBLE_EQ(a.points(0).value(), 20.0);
  EXPECT_EQ(a.oldest_us(), 1000 * 1000);
  req.set_series(std::string(5000, 'x'));
  const auto bad = ring.answer(req);
  EXPECT_NE(bad.error().find("unknown series"), std::string::npos);
  EXPECT_TRUE(protocol::history_answer_ok(bad));
}

}  // namespace
}  // namespace beamscope::agent
