// Number formatting; see format.hpp.
#include "format.hpp"

#include <array>
#include <cmath>
#include <cstdio>

namespace beamscope::gui {
namespace {

// Three significant digits: 1.23, 12.3, 123.
std::string three_digits(double v, const char* unit) {
  char buf[48];
  if (v < 10.0) {
    std::snprintf(buf, sizeof buf, "%.2f%s", v, unit);
  } else if (v < 100.0) {
    std::snprintf(buf, sizeof buf, "%.1f%s", v, unit);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f%s", v, unit);
  }
  return buf;
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static constexpr std::array<const char*, 6> kUnits = {" KiB", " MiB", " GiB", " TiB", " PiB", " EiB"};
  double v = static_cast<double>(bytes) / 1024.0;
  std::size_t i = 0;
  // Switch unit before printing "1024 KiB": 1000+ of a unit reads badly.
  while (v >= 1000.0 && i + 1 < kUnits.size()) {
    v /= 1024.0;
    ++i;
  }
  return three_digits(v, kUnits[i]);
}

std::string format_count(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    // A comma before every group of three counted from the right.
    if (i != 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string format_si(double value) {
  if (std::isnan(value)) return "-";
  const char* sign = value < 0 ? "-" : "";
  double v = std::fabs(value);
  if (v < 1000.0) {
    char buf[32];
    // Small rates keep one decimal so 0.5/s does not read as 0.
    if (v != std::floor(v) && v < 100.0) {
      std::snprintf(buf, sizeof buf, "%s%.1f", sign, v);
    } else {
      std::snprintf(buf, sizeof buf, "%s%.0f", sign, v);
    }
    return buf;
  }
  static constexpr std::array<const char*, 5> kUnits = {"k", "M", "G", "T", "P"};
  std::size_t i = 0;
  v /= 1000.0;
  while (v >= 1000.0 && i + 1 < kUnits.size()) {
    v /= 1000.0;
    ++i;
  }
  return sign + three_digits(v, kUnits[i]);
}

std::string format_duration_ms(std::uint64_t ms) {
  char buf[48];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%llu ms", static_cast<unsigned long long>(ms));
    return buf;
  }
  const std::uint64_t s = ms / 1000;
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%llum %02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%lluh %02llum", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>((s % 3600) / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llud %02lluh", static_cast<unsigned long long>(s / 86400),
                  static_cast<unsigned long long>((s % 86400) / 3600));
  }
  return buf;
}

std::string format_duration_us(std::uint64_t us) {
  if (us < 1000) return std::to_string(us) + " us";
  if (us < 1000000) return three_digits(static_cast<double>(us) / 1000.0, " ms");
  return format_duration_ms(us / 1000);
}

std::string format_percent(double fraction) {
  char buf[32];
  const double pct = fraction * 100.0;
  // Tiny but non-zero shares (a 0.02% process table) must not read as 0.
  if (pct > 0.0 && pct < 0.1) {
    std::snprintf(buf, sizeof buf, "%.2f%%", pct);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f%%", pct);
  }
  return buf;
}

std::string format_of_limit(std::uint64_t used, std::uint64_t limit) {
  if (limit == 0) return format_count(used);
  return format_count(used) + " / " + format_count(limit) + " (" +
         format_percent(static_cast<double>(used) / static_cast<double>(limit)) + ")";
}

}  // namespace beamscope::gui
