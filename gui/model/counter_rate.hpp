// Per-second rate of a monotonically increasing counter (reductions, GCs,
// IO bytes) from successive readings. The agent sends counters, not rates,
// so every viewer derives them the same way.
#pragma once

#include <cstdint>
#include <optional>

namespace beamscope::gui {

class CounterRate {
 public:
  /// Feeds a reading taken at `t_ms` (any monotonic clock, e.g. node uptime).
  /// Returns the rate since the previous reading; nullopt for the first
  /// reading, when time did not advance, or when the counter went backwards
  /// (node restarted, or wrapped): the next reading starts afresh.
  std::optional<double> update(std::uint64_t value, std::uint64_t t_ms);

  /// Last rate computed, if any.
  std::optional<double> last() const { return last_rate_; }

  void reset();

 private:
  bool has_prev_ = false;
  std::uint64_t prev_value_ = 0;
  std::uint64_t prev_t_ms_ = 0;
  std::optional<double> last_rate_;
};

}  // namespace beamscope::gui
