// Counter-to-rate conversion; see counter_rate.hpp.
#include "counter_rate.hpp"

namespace beamscope::gui {

std::optional<double> CounterRate::update(std::uint64_t value, std::uint64_t t_ms) {
  if (!has_prev_ || value < prev_value_ || t_ms < prev_t_ms_) {
    // First reading or a reset: no honest rate yet.
    has_prev_ = true;
    prev_value_ = value;
    prev_t_ms_ = t_ms;
    last_rate_.reset();
    return std::nullopt;
  }
  if (t_ms == prev_t_ms_) return std::nullopt;  // same tick seen twice
  const double dt_s = static_cast<double>(t_ms - prev_t_ms_) / 1000.0;
  const double rate = static_cast<double>(value - prev_value_) / dt_s;
  prev_value_ = value;
  prev_t_ms_ = t_ms;
  last_rate_ = rate;
  return rate;
}

void CounterRate::reset() {
  has_prev_ = false;
  prev_value_ = 0;
  prev_t_ms_ = 0;
  last_rate_.reset();
}

}  // namespace beamscope::gui
