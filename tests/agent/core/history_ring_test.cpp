// The agent's history ring: the window it keeps, one sample per tick,
// events kept once and bounded, and the answers viewers get.
#include "history_ring.hpp"

#include <gtest/gtest.h>

namespace beamscope::agent {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000'000'000;  // unix us

// The keyframe the sampler publishes at `uptime_ms` with `processes`.
v1::Keyframe tick(std::uint64_t uptime_ms, std::uint64_t processes) {
  v1::Keyframe kf;
  kf.set_sampled_at_us(kT0 + static_cast<std::int64_t>(uptime_ms) * 1000);
  kf.mutable_gauges()->set_uptime_ms(uptime_ms);
  kf.mutable_gauges()->set_process_count(processes);
  return kf;
}

void add_event(v1::Keyframe& kf, std::uint64_t id, std::int64_t time_us, std::size_t detail_bytes = 10) {
  auto* e = kf.add_events();
  e->set_id(id);
  e->set_time_us(time_us);
  e->set_kind(v1::Event::CHILD_TERMINATED);
  e->set_reason(std::string(detail_bytes, 'x'));
}

std::vector<double> process_counts(const HistoryRing& ring, std::int64_t from_us = 0) {
  v1::HistoryRequest rq;
  rq.set_series("process_count");
  rq.set_from_us(from_us);
  const v1::HistoryAnswer a = ring.answer(rq);
  std::vector<double> out;
  for (const auto& p : a.points()) out.push_back(p.value());
  return out;
}

TEST(HistoryRing, KeepsTheLastWindowOfTicks) {
  HistoryRing ring(10, 1000);
  for (std::uint64_t s = 1; s <= 30; ++s) ring.record(tick(s * 1000, 100 + s));
  const v1::HistoryStats st = ring.stats();
  EXPECT_EQ(st.window_s(), 10u);
  EXPECT_EQ(st.samples(), 11u) << "10 s at 1 s ticks, both ends";
  EXPECT_EQ(st.oldest_us(), kT0 + 20'000'000);
  const auto counts = process_counts(ring);
  ASSERT_EQ(counts.size(), 11u);
  EXPECT_EQ(counts.front(), 120.0);
  EXPECT_EQ(counts.back(), 130.0);
  EXPECT_EQ(process_counts(ring, kT0 + 28'000'000), (std::vector<double>{128, 129, 130}));
}

TEST(HistoryRing, AnEarlyTickReplacesTheOneBefore) {
  HistoryRing ring(60, 1000);
  ring.record(tick(1000, 5));
  ring.record(tick(1300, 6));  // an alarm published 300 ms after the tick
  EXPECT_EQ(ring.stats().samples(), 1u);
  EXPECT_EQ(process_counts(ring), (std::vector<double>{6}));
  ring.record(tick(2000, 7));
  EXPECT_EQ(ring.stats().samples(), 2u);
}

TEST(HistoryRing, EventsAreKeptOnceWithinTheWindow) {
  HistoryRing ring(10, 1000);
  v1::Keyframe a = tick(1000, 1);
  add_event(a, 1, kT0 + 900'000);
  add_event(a, 2, kT0 + 950'000);
  ring.record(a);
  v1::Keyframe b = tick(2000, 1);
  add_event(b, 2, kT0 + 950'000);  // keyframes repeat recent events
  add_event(b, 3, kT0 + 1'900'000);
  ring.record(b);
  auto h = ring.history();
  ASSERT_TRUE(h.has_value());
  ASSERT_EQ(h->history().events_size(), 3);
  EXPECT_EQ(h->history().events(2).id(), 3u);
  EXPECT_EQ(h->history().window_s(), 10u);

  // 20 s later the first three have left the window: gone, not "dropped".
  ring.record(tick(22'000, 1));
  EXPECT_EQ(ring.stats().events(), 0u);
  EXPECT_EQ(ring.stats().events_dropped_total(), 0u);
}

TEST(HistoryRing, EventsPastTheirBoundAreDroppedAndCounted) {
  HistoryRing ring(600, 1000);
  v1::Keyframe kf = tick(1000, 1);
  for (std::uint64_t id = 1; id <= kMaxRingEvents + 40; ++id) add_event(kf, id, kT0 + 500'000);
  ring.record(kf);
  EXPECT_EQ(ring.stats().events(), kMaxRingEvents);
  EXPECT_EQ(ring.stats().events_dropped_total(), 40u);
  // Large ones: the byte bound holds too.
  v1::Keyframe big = tick(2000, 1);
  for (std::uint64_t id = 10'000; id < 10'100; ++id) add_event(big, id, kT0 + 1'500'000, 8 * 1024);
  ring.record(big);
  EXPECT_LE(ring.stats().events() * 8 * 1024, kMaxRingEventBytes + 8 * 1024);
  EXPECT_GT(ring.stats().events_dropped_total(), 40u);
}

TEST(HistoryRing, DisabledKeepsNothingAndSaysWhy) {
  HistoryRing ring(0, 1000);
  ring.record(tick(1000, 3));
  EXPECT_FALSE(ring.enabled());
  EXPECT_FALSE(ring.history().has_value());
  v1::HistoryRequest rq;
  rq.set_series("process_count");
  EXPECT_NE(ring.answer(rq).error().find("history_s 0"), std::string::npos);
}

TEST(HistoryRing, UnknownSeriesIsAnErrorNamingTheKnownOnes) {
  HistoryRing ring(60, 1000);
  ring.record(tick(1000, 3));
  v1::HistoryRequest rq;
  rq.set_request_id(42);
  rq.set_series(std::string(200, 'q'));
  const v1::HistoryAnswer a = ring.answer(rq);
  EXPECT_EQ(a.request_id(), 42u);
  EXPECT_EQ(a.series().size(), 64u) << "a hostile name is not echoed whole";
  EXPECT_NE(a.error().find("process_count"), std::string::npos);
  EXPECT_EQ(a.points_size(), 0);
}

}  // namespace
}  // namespace beamscope::agent
