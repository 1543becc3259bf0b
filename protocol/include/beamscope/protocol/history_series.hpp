// The history's vocabulary, owned here once: the raw VM values kept per
// tick (GaugeSample, the columns of History), the series names viewers and
// scripts ask for ("process_count", "reductions_per_s", ...), and how a
// series is derived from the raw values (rates from counters). The agent's
// ring, the collector's history, ctl and the GUI all use these.
//   const SeriesDef* s = find_series("reductions_per_s");
//   auto v = series_value(*s, ring[i], &ring[i - 1]);  // per second
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "beamscope.pb.h"

namespace beamscope::protocol {

/// Raw values per tick: one per GaugeColumn::Gauge.
inline constexpr std::size_t kGaugeColumns = 20;
static_assert(v1::GaugeColumn::Gauge_ARRAYSIZE == kGaugeColumns, "one raw value per GaugeColumn.Gauge");

/// Samples one History frame carries at most (an hour at 1 s fits).
inline constexpr std::size_t kMaxHistorySamples = 4096;
/// Points one HistoryAnswer carries at most (an hour at 1 s and a day at 1 min fit).
inline constexpr std::size_t kMaxHistoryPoints = 8192;

/// One tick, compactly: 176 bytes, against ~1 KiB for a VmGauges message.
struct GaugeSample {
  std::int64_t time_us = 0;     ///< when the producer sampled it (unix us)
  std::uint64_t uptime_ms = 0;  ///< node uptime: rates use it (the wall clock may jump)
  std::array<std::uint64_t, kGaugeColumns> v{};
  std::uint64_t operator[](v1::GaugeColumn::Gauge g) const { return v[static_cast<std::size_t>(g)]; }
};

/// The tick a keyframe describes (its gauges, mailbox sum, mean scheduler
/// utilization of the normal schedulers, sampled_at_us).
GaugeSample gauge_sample(const v1::Keyframe& kf);
/// The same from the parts a delta carries (no keyframe copy needed).
GaugeSample gauge_sample(const v1::VmGauges& g, std::uint64_t mailbox_sum, std::int64_t time_us);

/// The reverse, for readers that consume keyframes (the GUI's charts):
/// gauges, memory and the mailbox sum of `s`; one NORMAL scheduler entry
/// (id 0) with the mean utilization.
void fill_keyframe(const GaugeSample& s, v1::Keyframe& kf);

/// What a stream frame (keyframe or delta) says of its node's tick.
struct FrameGauges {
  std::string node;
  bool keyframe = false, has_gauges = false, has_mailbox = false;
  v1::VmGauges gauges;
  std::uint64_t mailbox_sum = 0;
  std::int64_t timestamp_us = 0;  ///< the producer's time of the frame (Envelope.timestamp_us)
};
/// Reads only that from an Envelope's bytes: process rows, trees and events
/// are skipped unparsed (a recording's hour of frames reads several times
/// faster than by a full decode). False when the bytes are no keyframe or
/// delta Envelope.
bool read_frame_gauges(std::string_view envelope, FrameGauges& out);
/// The tick a frame carries, stamped `time_us`: a keyframe's, or a delta's
/// gauges with the node's mailbox sum held from its earlier frames
/// (`mailbox_sum`: read, and updated by a frame with a histogram, as a
/// keyframe always is). nullopt for a frame without gauges.
std::optional<GaugeSample> frame_sample(const FrameGauges& f, std::uint64_t& mailbox_sum, std::int64_t time_us);

/// How a series is derived from its raw column.
enum class SeriesKind : std::uint8_t {
  kGauge,  ///< the value itself
  kRate,   ///< a counter's increase per second between consecutive ticks
  kPpm,    ///< parts per million, as a ratio 0..1
};

struct SeriesDef {
  std::string_view name;  ///< stable: ctl --series, HistoryRequest.series, JSON
  v1::GaugeColumn::Gauge column;
  SeriesKind kind;
  std::string_view unit;  ///< "processes", "bytes", "per_second", "ratio"
};

/// Every series, in a stable order.
std::span<const SeriesDef> series_vocabulary();
/// nullptr when `name` is not a series.
const SeriesDef* find_series(std::string_view name);
/// "process_count, port_count, ..." (for usage errors).
std::string series_names();

/// The value of `s` at `cur`; rates need the tick before (nullopt without
/// one, when time did not advance on the node, or a counter went backwards:
/// the node restarted).
std::optional<double> series_value(const SeriesDef& s, const GaugeSample& cur, const GaugeSample* prev);

/// Fixed-capacity ring of samples, oldest first; push() over capacity
/// overwrites the oldest. Capacity 0 keeps nothing.
class SampleRing {
 public:
  explicit SampleRing(std::size_t capacity = 0) : buf_(capacity) {}
  void push(const GaugeSample& s);
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return buf_.size(); }
  bool empty() const { return size_ == 0; }
  const GaugeSample& operator[](std::size_t i) const { return buf_[(head_ + i) % buf_.size()]; }
  const GaugeSample& back() const { return (*this)[size_ - 1]; }
  void clear() { head_ = size_ = 0; }
  /// Drops samples older than `oldest_us`; returns how many.
  std::size_t drop_before(std::int64_t oldest_us);
  /// Drops the `n` oldest.
  void drop_oldest(std::size_t n);
  /// Drops the newest (to replace it).
  void drop_newest() {
    if (size_ > 0) --size_;
  }
  /// Memory held (the whole capacity: it is allocated up front).
  std::size_t bytes() const { return buf_.size() * sizeof(GaugeSample); }

 private:
  std::vector<GaugeSample> buf_;
  std::size_t head_ = 0, size_ = 0;
};

/// Appends samples [first, ring.size()) to `h` as columns (time_us,
/// uptime_ms and one column per raw value). At most kMaxHistorySamples:
/// the newest are kept.
void append_history(const SampleRing& ring, std::size_t first, v1::History& h);

/// The samples of a History (checked: columns as long as time_us).
std::vector<GaugeSample> history_samples(const v1::History& h);

/// Checks a History's bounds (sample count, column lengths, events).
bool history_ok(const v1::History& h);
/// Checks a HistoryAnswer's bounds.
bool history_answer_ok(const v1::HistoryAnswer& a);

/// The point of `s` at tick `cur` (`prev`: the tick before, or nullptr),
/// appended to `out`; false (nothing appended) when it has no value there.
bool append_point(const SeriesDef& s, const GaugeSample& cur, const GaugeSample* prev, v1::HistoryAnswer& out);

/// Points of `s` for the ticks of `ring` within [from_us, to_us] (to_us 0:
/// no end), one per tick (span_ms: the tick's length), appended to `out`
/// up to kMaxHistoryPoints.
void append_points(const SeriesDef& s, const SampleRing& ring, std::int64_t from_us, std::int64_t to_us,
                   v1::HistoryAnswer& out);

}  // namespace beamscope::protocol
