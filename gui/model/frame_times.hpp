// CPU time per frame of the inspector's own thread (model update, ImGui,
// GL submission), kept for the screenshot run's report and the frame-time
// benchmark: median and p99 over a bounded window.
#pragma once

#include <cstddef>
#include <vector>

namespace beamscope::gui {

/// This thread's CPU time in milliseconds (CLOCK_THREAD_CPUTIME_ID).
double thread_cpu_ms();

class FrameTimes {
 public:
  static constexpr std::size_t kCapacity = 100000;  ///< frames kept; later ones are not recorded

  void add(double ms) {
    if (samples_.size() < kCapacity) samples_.push_back(ms);
  }
  std::size_t count() const { return samples_.size(); }
  /// Nearest-rank percentile, p in [0, 100]; 0 when empty.
  double percentile(double p) const;
  double mean() const;

 private:
  std::vector<double> samples_;
};

}  // namespace beamscope::gui
