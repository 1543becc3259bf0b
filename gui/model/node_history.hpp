// Time series of one node, recorded from the keyframes the stream client
// hands out: one sample per agent tick (detected by a new uptime), kept in
// fixed rings (default one hour at 1 s). Counters become per-second rates
// here. Plain C++: the overview view only reads it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "beamscope.pb.h"
#include "counter_rate.hpp"
#include "ring_buffer.hpp"

namespace beamscope::gui {

/// One chartable value per tick. NaN marks "no value" (e.g. the first rate).
enum class Series : std::size_t {
  kProcessCount,
  kMailboxTotal,      ///< MailboxHistogram.sum: messages queued on the node
  kSchedulerUtilAvg,  ///< mean utilization of the normal schedulers, 0..1
  kRunQueueTotal,
  kMemoryTotal,
  kMemoryProcesses,
  kMemoryBinary,
  kMemoryEts,
  kMemoryCode,
  kMemoryAtom,
  kMemorySystem,
  kReductionsPerS,
  kGcPerS,
  kIoInBytesPerS,
  kIoOutBytesPerS,
  kCount,
};
inline constexpr std::size_t kSeriesCount = static_cast<std::size_t>(Series::kCount);

class NodeHistory {
 public:
  static constexpr std::size_t kDefaultCapacity = 3600;

  explicit NodeHistory(std::size_t capacity = kDefaultCapacity);

  /// Records a sample when `kf` is a tick not seen yet. Returns true when
  /// it did. A node whose uptime went backwards restarted: history restarts.
  bool ingest(const v1::Keyframe& kf);

  /// Takes a node's past (the History its agent or collector sends right
  /// after the keyframe): the series restart from its ticks, so the charts
  /// start full. Ticks recorded since that the History does not cover are
  /// dropped (it is sent with the keyframe, so none are in practice).
  /// Returns the ticks taken; a malformed History is ignored (0).
  std::size_t backfill(const v1::History& h);

  const RingBuffer<float>& series(Series s) const { return series_[static_cast<std::size_t>(s)]; }
  /// Node uptime (ms) of every sample, same indexing as the series.
  const RingBuffer<std::uint64_t>& times_ms() const { return times_; }
  /// Utilization 0..1 of each normal scheduler, ordered by scheduler id.
  const std::vector<RingBuffer<float>>& scheduler_util() const { return schedulers_; }

  /// How many of the newest samples fall within the last `window_ms`.
  std::size_t samples_within(std::uint64_t window_ms) const;

  /// Latest rates (NaN until two ticks were seen).
  double reductions_per_s() const { return latest(Series::kReductionsPerS); }
  double gc_per_s() const { return latest(Series::kGcPerS); }
  double latest(Series s) const;

  std::size_t size() const { return times_.size(); }

 private:
  void clear();
  void push(Series s, double v) { series_[static_cast<std::size_t>(s)].push(static_cast<float>(v)); }
  void record_schedulers(const v1::VmGauges& g);

  std::size_t capacity_;
  bool has_last_ = false;
  std::uint64_t last_uptime_ms_ = 0;
  RingBuffer<std::uint64_t> times_;
  std::vector<RingBuffer<float>> series_;
  std::vector<RingBuffer<float>> schedulers_;
  std::vector<std::uint32_t> scheduler_ids_;
  CounterRate reductions_, gcs_, io_in_, io_out_;
};

}  // namespace beamscope::gui
