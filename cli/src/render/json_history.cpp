// The `history` document and its time options; see history_render.hpp.
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <ctime>

#include <fmt/format.h>

#include "render/history_render.hpp"

namespace beamscope::cli {

std::optional<std::int64_t> parse_duration_us(const std::string& text) {
  if (text.empty() || text.size() > 24) return std::nullopt;
  std::size_t used = 0;
  double n = 0;
  try {
    n = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string unit = text.substr(used);
  double scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  else if (unit == "ms") scale = 1e-3;
  else if (unit == "m") scale = 60;
  else if (unit == "h") scale = 3600;
  else if (unit == "d") scale = 86400;
  else return std::nullopt;
  const double us = n * scale * 1e6;
  // Ten years is more than any history; NaN and negatives are no duration.
  if (!(us > 0) || us > 3.2e14) return std::nullopt;
  return static_cast<std::int64_t>(us);
}

std::optional<std::int64_t> parse_time_us(const std::string& text) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  std::tm tm{};
  if (text.find('T') != std::string::npos) {
    char z = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec, &z) != 7 || z != 'Z')
      return std::nullopt;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
      return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<std::int64_t>(::timegm(&tm)) * 1000000;
  }
  std::size_t used = 0;
  double s = 0;
  try {
    s = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != text.size() || !(s >= 0) || s > 1e11) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(s * 1e6));
}

namespace {

const char* kind_name(protocol::SeriesKind k) {
  switch (k) {
    case protocol::SeriesKind::kGauge: return "gauge";
    case protocol::SeriesKind::kRate: return "rate";
    case protocol::SeriesKind::kPpm: return "ratio";
  }
  return "gauge";
}

}  // namespace

std::string utc_text(std::int64_t time_us) {
  const std::time_t t = static_cast<std::time_t>(time_us / 1000000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return when;
}

nlohmann::json history_json(const std::string& node, const protocol::SeriesDef& series, std::int64_t from_us,
                            std::int64_t to_us, const v1::HistoryAnswer& answer) {
  auto points = nlohmann::json::array();
  for (const auto& p : answer.points())
    points.push_back({{"time_us", p.time_us()},
                      {"value", p.value()},
                      {"min", p.min()},
                      {"max", p.max()},
                      {"span_ms", p.span_ms()}});
  return nlohmann::json{
      {"node", node},
      {"series", std::string(series.name)},
      {"unit", std::string(series.unit)},
      {"kind", kind_name(series.kind)},
      {"from_us", from_us},
      {"to_us", to_us},
      {"oldest_us", answer.oldest_us()},
      {"count", answer.points_size()},
      {"points", std::move(points)},
  };
}

void print_history_text(std::ostream& out, const std::string& node, const protocol::SeriesDef& series,
                        const v1::HistoryAnswer& answer) {
  out << fmt::format("{} {} ({}), {} points\n", node, series.name, series.unit, answer.points_size());
  for (const auto& p : answer.points()) {
    const std::string when = utc_text(p.time_us());
    if (p.min() == p.max())
      out << fmt::format("{}  {:.6g}\n", when, p.value());
    else
      out << fmt::format("{}  {:.6g}  (min {:.6g}, max {:.6g} over {} s)\n", when, p.value(), p.min(), p.max(),
                         p.span_ms() / 1000);
  }
}

}  // namespace beamscope::cli
