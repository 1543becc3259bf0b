// The hot set's rates, owned here once: each hot process's reading of the
// tick before gives its mailbox growth, its minor GCs a second and the time
// until its mailbox reaches the alarm. The sampler only reads process_info
// (beamscope_hot); the keyframe builder and the process detail both ask
// this history, so one process shows one growth wherever it is shown.
// Knows nothing of erl_nif: a process is its pid's term value.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>

namespace beamscope::agent {

struct HotRates {
  double mailbox_growth_per_s = 0;  // negative while the mailbox drains
  double seconds_to_threshold = 0;  // 0: not growing, or at the alarm already
  std::uint64_t minor_gcs_per_s = 0;
};

/// Seconds until `mailbox` reaches `alarm` at `growth_per_s`; 0 when it is
/// not growing or is there already.
double seconds_to_threshold(std::uint64_t mailbox, double growth_per_s, std::uint64_t alarm);

/// The last reading of each process read in the last tick.
class HotHistory {
 public:
  /// Rates of `key` read at `now_us` (monotonic) against its reading in the
  /// tick before (all zero the first time); records this reading. A second
  /// reading of one key in a tick gets the first one's rates.
  HotRates update(std::uint64_t key, std::int64_t now_us, std::uint64_t mailbox, std::uint64_t minor_gcs,
                  std::uint64_t alarm);
  /// Ends the tick: processes not read in it are forgotten, so the history
  /// is never larger than the hot set.
  void end_tick();
  /// Growth of `key` as of the last tick and that reading's time, if it
  /// was read then.
  struct Seen {
    double mailbox_growth_per_s;
    std::int64_t at_us;
  };
  std::optional<Seen> last(std::uint64_t key) const;
  std::size_t size() const { return by_key_.size(); }
  std::size_t bytes() const;

 private:
  struct Reading {
    std::int64_t at_us = 0;
    std::uint64_t mailbox = 0;
    std::uint64_t minor_gcs = 0;
    HotRates rates;
    std::uint64_t tick = 0;  // the tick that read it
  };
  std::unordered_map<std::uint64_t, Reading> by_key_;
  std::uint64_t tick_ = 1;
};

}  // namespace beamscope::agent
