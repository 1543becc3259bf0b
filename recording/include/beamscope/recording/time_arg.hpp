// Times a user gives to seek in a recording (--at), and how they are shown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace beamscope::recording {

/// Parses --at: RFC 3339 ("2026-12-03T14:05:00Z", "...T15:05:00.250+01:00"),
/// unix seconds ("1796306700", "1796306700.25"), an offset from the end
/// ("-5m", "-90s", "-1h", "-500ms") or from the start ("+2m"), or "start" /
/// "end". Returns unix microseconds; nullopt and `error` set otherwise.
std::optional<std::int64_t> parse_time_arg(const std::string& text, std::int64_t first_us, std::int64_t last_us,
                                           std::string& error);

/// Unix microseconds as RFC 3339 in UTC with milliseconds, e.g. "2026-12-03T14:05:00.250Z".
std::string format_time(std::int64_t unix_us);

}  // namespace beamscope::recording
