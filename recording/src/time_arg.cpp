// --at parsing and RFC 3339 output (see time_arg.hpp).
#include "beamscope/recording/time_arg.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <regex>

namespace beamscope::recording {
namespace {

// "1.5" seconds-like decimal → units of `scale` (us per unit); nullopt on junk.
std::optional<std::int64_t> decimal(const std::string& s, std::int64_t scale) {
  static const std::regex re(R"(^(\d{1,12})(?:\.(\d{1,6}))?$)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return std::nullopt;
  std::int64_t whole = std::stoll(m[1].str());
  std::int64_t frac = 0;
  if (m[2].matched) {
    std::string f = m[2].str();
    f.resize(6, '0');
    frac = std::stoll(f);
  }
  return whole * scale + frac * scale / 1'000'000;
}

std::optional<std::int64_t> duration_us(const std::string& s) {
  static const std::regex re(R"(^([0-9.]+)(ms|s|m|h)$)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return std::nullopt;
  const std::string unit = m[2].str();
  const std::int64_t scale = unit == "ms" ? 1'000 : unit == "s" ? 1'000'000 : unit == "m" ? 60'000'000 : 3'600'000'000;
  return decimal(m[1].str(), scale);
}

std::optional<std::int64_t> rfc3339(const std::string& s) {
  static const std::regex re(
      R"(^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1].str()) - 1900;
  tm.tm_mon = std::stoi(m[2].str()) - 1;
  tm.tm_mday = std::stoi(m[3].str());
  tm.tm_hour = std::stoi(m[4].str());
  tm.tm_min = std::stoi(m[5].str());
  tm.tm_sec = std::stoi(m[6].str());
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  std::int64_t us = static_cast<std::int64_t>(timegm(&tm)) * 1'000'000;
  if (m[7].matched) {
    std::string f = m[7].str();
    f.resize(6, '0');
    us += std::stoll(f.substr(0, 6));
  }
  if (m[9].matched) {
    const std::int64_t off = (std::stoll(m[10].str()) * 60 + std::stoll(m[11].str())) * 60'000'000;
    us += m[9].str() == "+" ? -off : off;
  }
  return us;
}

}  // namespace

std::optional<std::int64_t> parse_time_arg(const std::string& text, std::int64_t first_us, std::int64_t last_us,
                                           std::string& error) {
  if (text.empty() || text == "end") return last_us;
  if (text == "start") return first_us;
  if (text[0] == '-' || text[0] == '+') {
    if (auto d = duration_us(text.substr(1))) return text[0] == '-' ? last_us - *d : first_us + *d;
  } else if (auto secs = decimal(text, 1'000'000)) {
    return *secs;
  } else if (auto t = rfc3339(text)) {
    return *t;
  }
  error = "bad time '" + text +
          "': give RFC 3339 (2026-12-03T14:05:00Z), unix seconds (1796306700), an offset from the end "
          "(-5m, -90s, -1h, -500ms) or from the start (+2m), or start / end";
  return std::nullopt;
}

std::string format_time(std::int64_t unix_us) {
  std::int64_t secs = unix_us / 1'000'000;
  std::int64_t rem = unix_us % 1'000'000;
  if (rem < 0) {
    rem += 1'000'000;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(rem / 1000));
  return buf;
}

}  // namespace beamscope::recording
