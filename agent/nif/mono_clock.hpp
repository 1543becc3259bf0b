// The one clock the agent's C++ half times sweeps, tables and hot readings
// with: monotonic microseconds (std::chrono::steady_clock), so ages and
// rates computed by different NIFs compare.
#pragma once

#include <chrono>
#include <cstdint>

namespace beamscope::agent {

inline std::int64_t mono_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace beamscope::agent
