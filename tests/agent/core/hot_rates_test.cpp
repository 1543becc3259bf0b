// The hot set's rates, tick to tick: growth either way, time to the alarm,
// minor GCs a second across a fullsweep, and a history no larger than the
// last tick's hot set.
#include "hot_rates.hpp"

#include <gtest/gtest.h>

namespace beamscope::agent {
namespace {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::uint64_t kAlarm = 10'000;

TEST(HotRates, FirstReadingHasNoRates) {
  HotHistory h;
  const HotRates r = h.update(7, 0, 500, 3, kAlarm);
  EXPECT_EQ(r.mailbox_growth_per_s, 0.0);
  EXPECT_EQ(r.seconds_to_threshold, 0.0);
  EXPECT_EQ(r.minor_gcs_per_s, 0u);
}

TEST(HotRates, GrowthAndTimeToTheAlarmOverTheTicksSpan) {
  HotHistory h;
  h.update(7, 0, 1000, 10, kAlarm);
  h.end_tick();
  // 2 s later: 1,000 messages more, 30 minor GCs more.
  const HotRates r = h.update(7, 2 * kSecond, 2000, 40, kAlarm);
  EXPECT_DOUBLE_EQ(r.mailbox_growth_per_s, 500.0);
  EXPECT_DOUBLE_EQ(r.seconds_to_threshold, 16.0) << "8,000 messages to go at 500/s";
  EXPECT_EQ(r.minor_gcs_per_s, 15u);
  h.end_tick();
  // Draining: negative growth, no time to the alarm.
  const HotRates d = h.update(7, 3 * kSecond, 1500, 40, kAlarm);
  EXPECT_DOUBLE_EQ(d.mailbox_growth_per_s, -500.0);
  EXPECT_EQ(d.seconds_to_threshold, 0.0);
}

TEST(HotRates, AFullsweepIsNotANegativeGcRate) {
  HotHistory h;
  h.update(7, 0, 0, 900, kAlarm);
  h.end_tick();
  EXPECT_EQ(h.update(7, kSecond, 0, 4, kAlarm).minor_gcs_per_s, 0u) << "minor_gcs restarts after a fullsweep";
}

TEST(HotRates, AtTheAlarmAlreadyHasNoTimeLeft) {
  EXPECT_EQ(seconds_to_threshold(kAlarm, 100.0, kAlarm), 0.0);
  EXPECT_EQ(seconds_to_threshold(kAlarm + 1, 100.0, kAlarm), 0.0);
  EXPECT_EQ(seconds_to_threshold(0, 0.0, kAlarm), 0.0);
  EXPECT_DOUBLE_EQ(seconds_to_threshold(9'000, 100.0, kAlarm), 10.0);
}

TEST(HotRates, ReadTwiceInATickKeepsTheFirstRates) {
  HotHistory h;
  h.update(7, 0, 100, 0, kAlarm);
  h.end_tick();
  const HotRates first = h.update(7, kSecond, 300, 0, kAlarm);
  const HotRates again = h.update(7, kSecond + 10, 301, 0, kAlarm);  // named and ranked: listed twice
  EXPECT_DOUBLE_EQ(again.mailbox_growth_per_s, first.mailbox_growth_per_s);
  EXPECT_DOUBLE_EQ(first.mailbox_growth_per_s, 200.0);
}

TEST(HotRates, ProcessesThatLeaveTheHotSetAreForgotten) {
  HotHistory h;
  for (std::uint64_t k = 1; k <= 100; ++k) h.update(k, 0, k, 0, kAlarm);
  h.end_tick();
  EXPECT_EQ(h.size(), 100u);
  ASSERT_TRUE(h.last(5).has_value());
  h.update(5, kSecond, 25, 0, kAlarm);
  h.end_tick();
  EXPECT_EQ(h.size(), 1u);
  EXPECT_FALSE(h.last(6).has_value());
  ASSERT_TRUE(h.last(5).has_value());
  EXPECT_DOUBLE_EQ(h.last(5)->mailbox_growth_per_s, 20.0);
  EXPECT_EQ(h.last(5)->at_us, kSecond);
  // Back in the hot set later: a first reading again, not a rate over the gap.
  h.end_tick();
  EXPECT_EQ(h.update(6, 9 * kSecond, 1000, 0, kAlarm).mailbox_growth_per_s, 0.0);
}

}  // namespace
}  // namespace beamscope::agent
