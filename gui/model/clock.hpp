// The viewer's monotonic clock in seconds: flashes, pager timeouts and the
// age of fetched pages are timed with it (never the producer's clock).
#pragma once

#include <chrono>

namespace beamscope::gui {

inline double monotonic_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace beamscope::gui
