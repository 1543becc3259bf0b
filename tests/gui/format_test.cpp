// Units on screen: bytes, counts, SI rates, durations, percentages.
#include "format.hpp"

#include <gtest/gtest.h>

using namespace beamscope::gui;

TEST(Format, Bytes) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1536), "1.50 KiB");
  EXPECT_EQ(format_bytes(12u << 20), "12.0 MiB");
  EXPECT_EQ(format_bytes(3200000000ull), "2.98 GiB");
  // 1000 KiB and up switches unit rather than printing four digits.
  EXPECT_EQ(format_bytes(1000 * 1024), "0.98 MiB");
}

TEST(Format, Count) {
  EXPECT_EQ(format_count(0), "0");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(1000), "1,000");
  EXPECT_EQ(format_count(262144), "262,144");
  EXPECT_EQ(format_count(1234567), "1,234,567");
}

TEST(Format, Si) {
  EXPECT_EQ(format_si(0), "0");
  EXPECT_EQ(format_si(0.5), "0.5");
  EXPECT_EQ(format_si(950), "950");
  EXPECT_EQ(format_si(12345), "12.3k");
  EXPECT_EQ(format_si(4.2e6), "4.20M");
  EXPECT_EQ(format_si(-2500), "-2.50k");
  EXPECT_EQ(format_si(0.0 / 0.0), "-");
}

TEST(Format, Durations) {
  EXPECT_EQ(format_duration_ms(850), "850 ms");
  EXPECT_EQ(format_duration_ms(12300), "12.3 s");
  EXPECT_EQ(format_duration_ms(252000), "4m 12s");
  EXPECT_EQ(format_duration_ms(7500000), "2h 05m");
  EXPECT_EQ(format_duration_ms(277200000), "3d 05h");
  EXPECT_EQ(format_duration_us(640), "640 us");
  EXPECT_EQ(format_duration_us(2300), "2.30 ms");
}

TEST(Format, PercentAndLimit) {
  EXPECT_EQ(format_percent(0.4567), "45.7%");
  EXPECT_EQ(format_percent(0.0002), "0.02%");
  EXPECT_EQ(format_percent(0), "0.0%");
  EXPECT_EQ(format_of_limit(1234, 262144), "1,234 / 262,144 (0.5%)");
  EXPECT_EQ(format_of_limit(5, 0), "5");
}
