// The agent's history ring: the last history_s seconds of VM gauges (one
// compact GaugeSample per tick) and of events, so a viewer that connects
// late sees the recent past at once. Written by the sampler's publish (a
// NIF, under AgentState's mutex), read by the stream's I/O thread (Hellos,
// HistoryRequests): its own small lock, held only to copy or append.
//
// Bounds: at most kMaxHistorySamples ticks (176 bytes each, allocated at
// start) and kMaxRingEvents events of at most kMaxRingEventBytes in all;
// events pushed out before they leave the window are counted.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "beamscope.pb.h"
#include "beamscope/protocol/history_series.hpp"

namespace beamscope::agent {

inline constexpr std::size_t kMaxRingEvents = 512;
inline constexpr std::size_t kMaxRingEventBytes = 256 * 1024;

class HistoryRing {
 public:
  /// window_s 0 disables it (nothing kept, nothing sent).
  HistoryRing(std::uint32_t window_s, std::uint32_t tick_ms);

  /// Records the tick `kf` describes (sampled_at_us set) and its events
  /// newer than the last recorded. A publish sooner than half a tick after
  /// the previous (an early tick) replaces it, so the ring holds one sample
  /// per tick and covers window_s. O(new events).
  void record(const v1::Keyframe& kf);

  /// What the ring holds, for Keyframe.history_stats and /metrics.
  v1::HistoryStats stats() const;

  /// The whole ring as a History body; nullopt when disabled or empty.
  std::optional<v1::Envelope> history() const;

  /// One series over a range; `error` set for an unknown series.
  v1::HistoryAnswer answer(const v1::HistoryRequest& request) const;

  bool enabled() const { return window_s_ > 0; }

 private:
  void trim_events(std::int64_t now_us);
  std::uint64_t bytes_locked() const;

  const std::uint32_t window_s_;
  const std::uint32_t tick_ms_;
  mutable std::mutex mu_;
  protocol::SampleRing ring_;
  std::deque<v1::Event> events_;
  std::uint64_t event_bytes_ = 0;
  std::uint64_t events_dropped_ = 0;
  std::uint64_t last_event_id_ = 0;
};

}  // namespace beamscope::agent
