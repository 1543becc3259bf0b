// Polls a condition until it holds or a deadline passes: the one wait the
// transport tests use instead of sleeping.
#pragma once

#include <chrono>
#include <thread>

namespace beamscope::transport::testing {

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

}  // namespace beamscope::transport::testing
