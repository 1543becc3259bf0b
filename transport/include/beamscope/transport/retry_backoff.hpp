// When a viewer tries a refused server again. libzmq does not reconnect a
// connection whose handshake the server refused (a ZAP 400 or a mechanism
// mismatch is a protocol error to it), so the viewer makes a new socket
// itself: 1 s after the first refusal, then 2 s, 4 s ... up to 30 s, and
// from 1 s again once a connection gets through.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

namespace beamscope::transport {

class RetryBackoff {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kFirst{1000};
  static constexpr std::chrono::milliseconds kMax{30000};

  /// A refusal seen at `now`: schedules one retry (no-op while one is already scheduled).
  void refused(Clock::time_point now) {
    if (due_at_) return;
    due_at_ = now + delay_;
    delay_ = std::min(delay_ * 2, kMax);
  }

  /// True once the scheduled retry is due; the caller retries and the
  /// schedule is cleared (the next refusal schedules the next retry).
  bool take_due(Clock::time_point now) {
    if (!due_at_ || now < *due_at_) return false;
    due_at_.reset();
    return true;
  }

  /// When the scheduled retry is due, if one is.
  std::optional<Clock::time_point> due_at() const { return due_at_; }

  /// A connection got through: the next refusal waits kFirst again.
  void succeeded() {
    due_at_.reset();
    delay_ = kFirst;
  }

  /// The delay the next refusal will wait.
  std::chrono::milliseconds next_delay() const { return delay_; }

 private:
  std::chrono::milliseconds delay_ = kFirst;
  std::optional<Clock::time_point> due_at_;
};

}  // namespace beamscope::transport
