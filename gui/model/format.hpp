// Text for numbers shown to people: bytes, counts, rates, durations.
// Every number on screen goes through here so units stay consistent.
#pragma once

#include <cstdint>
#include <string>

namespace beamscope::gui {

/// 1023 -> "1023 B", 1536 -> "1.5 KiB", 3.2e9 -> "2.98 GiB" (binary units,
/// three significant digits so columns stay narrow).
std::string format_bytes(std::uint64_t bytes);

/// 1234567 -> "1,234,567".
std::string format_count(std::uint64_t n);

/// Short SI form for rates and large counts: 950 -> "950", 12345 -> "12.3k",
/// 4.2e6 -> "4.20M". Negative values keep their sign.
std::string format_si(double value);

/// Milliseconds to a compact duration: 850 -> "850 ms", 12300 -> "12.3 s",
/// 252000 -> "4m 12s", 7500000 -> "2h 05m", 277200000 -> "3d 05h".
std::string format_duration_ms(std::uint64_t ms);

/// Microseconds, for costs: 640 -> "640 us", 2300 -> "2.30 ms".
std::string format_duration_us(std::uint64_t us);

/// 0.4567 -> "45.7%".
std::string format_percent(double fraction);

/// "used / limit (pct)", e.g. "1,234 / 262,144 (0.5%)"; "1,234" when limit is 0.
std::string format_of_limit(std::uint64_t used, std::uint64_t limit);

}  // namespace beamscope::gui
