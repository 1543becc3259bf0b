// --at: RFC 3339, unix seconds, offsets from either end.
#include <gtest/gtest.h>

#include "beamscope/recording/time_arg.hpp"

namespace beamscope::recording {
namespace {

constexpr std::int64_t kFirst = 1'796'306'700'000'000;  // 2026-12-03T14:05:00Z
constexpr std::int64_t kLast = kFirst + 3'600'000'000;

std::optional<std::int64_t> at(const std::string& text) {
  std::string error;
  return parse_time_arg(text, kFirst, kLast, error);
}

TEST(TimeArg, AcceptsEveryDocumentedForm) {
  EXPECT_EQ(at(""), kLast);
  EXPECT_EQ(at("end"), kLast);
  EXPECT_EQ(at("start"), kFirst);
  EXPECT_EQ(at("2026-12-03T14:05:00Z"), kFirst);
  EXPECT_EQ(at("2026-12-03T14:05:00.250Z"), kFirst + 250'000);
  EXPECT_EQ(at("2026-12-03T15:05:00+01:00"), kFirst);
  EXPECT_EQ(at("2026-12-03T09:35:00-04:30"), kFirst);
  EXPECT_EQ(at("1796306700"), kFirst);
  EXPECT_EQ(at("1796306700.5"), kFirst + 500'000);
  EXPECT_EQ(at("-5m"), kLast - 300'000'000);
  EXPECT_EQ(at("-90s"), kLast - 90'000'000);
  EXPECT_EQ(at("-1h"), kFirst);
  EXPECT_EQ(at("-500ms"), kLast - 500'000);
  EXPECT_EQ(at("+2m"), kFirst + 120'000'000);
  EXPECT_EQ(at("-1.5m"), kLast - 90'000'000);
}

TEST(TimeArg, RefusesWhatItCannotRead) {
  for (const char* bad : {"yesterday", "-5", "5m", "-m", "2026-13-03T14:05:00Z", "2026-12-03 14:05", "12:00",
                          "1e9", "-5d", "--5m", "2026-12-03T14:05:00"}) {
    std::string error;
    EXPECT_FALSE(parse_time_arg(bad, kFirst, kLast, error)) << bad;
    EXPECT_NE(error.find("bad time '" + std::string(bad) + "'"), std::string::npos) << error;
  }
}

TEST(TimeArg, FormatsRfc3339InUtc) {
  EXPECT_EQ(format_time(kFirst + 250'000), "2026-12-03T14:05:00.250Z");
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace beamscope::recording
