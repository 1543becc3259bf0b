// Recording of per-node time series; see node_history.hpp.
#include "node_history.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "beamscope/protocol/history_series.hpp"

namespace beamscope::gui {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double or_nan(const std::optional<double>& v) { return v ? *v : kNaN; }

}  // namespace

NodeHistory::NodeHistory(std::size_t capacity)
    : capacity_(capacity), times_(capacity), series_(kSeriesCount, RingBuffer<float>(capacity)) {}

void NodeHistory::clear() {
  times_.clear();
  for (auto& s : series_) s.clear();
  schedulers_.clear();
  scheduler_ids_.clear();
  reductions_.reset();
  gcs_.reset();
  io_in_.reset();
  io_out_.reset();
  has_last_ = false;
}

bool NodeHistory::ingest(const v1::Keyframe& kf) {
  if (!kf.has_gauges()) return false;
  const v1::VmGauges& g = kf.gauges();
  const std::uint64_t t = g.uptime_ms();
  if (has_last_ && t == last_uptime_ms_) return false;  // same tick, new process rows only
  if (has_last_ && t < last_uptime_ms_) clear();         // the node restarted
  has_last_ = true;
  last_uptime_ms_ = t;

  times_.push(t);
  push(Series::kProcessCount, static_cast<double>(g.process_count()));
  push(Series::kMailboxTotal,
       kf.has_mailbox_histogram() ? static_cast<double>(kf.mailbox_histogram().sum()) : kNaN);
  push(Series::kRunQueueTotal, static_cast<double>(g.run_queue_total()));
  const v1::MemoryBytes& m = g.memory();
  push(Series::kMemoryTotal, static_cast<double>(m.total()));
  push(Series::kMemoryProcesses, static_cast<double>(m.processes()));
  push(Series::kMemoryBinary, static_cast<double>(m.binary()));
  push(Series::kMemoryEts, static_cast<double>(m.ets()));
  push(Series::kMemoryCode, static_cast<double>(m.code()));
  push(Series::kMemoryAtom, static_cast<double>(m.atom()));
  push(Series::kMemorySystem, static_cast<double>(m.system()));
  push(Series::kReductionsPerS, or_nan(reductions_.update(g.reductions_total(), t)));
  push(Series::kGcPerS, or_nan(gcs_.update(g.gc_count_total(), t)));
  push(Series::kIoInBytesPerS, or_nan(io_in_.update(g.io_input_bytes_total(), t)));
  push(Series::kIoOutBytesPerS, or_nan(io_out_.update(g.io_output_bytes_total(), t)));
  record_schedulers(g);
  return true;
}

std::size_t NodeHistory::backfill(const v1::History& h) {
  const auto samples = protocol::history_samples(h);
  if (samples.empty()) return 0;
  clear();
  // Each tick as the keyframe it summarises (per-scheduler rows are not
  // kept in a History: the heat strip shows their mean until live ticks).
  std::size_t taken = 0;
  v1::Keyframe kf;
  for (const auto& s : samples) {
    kf.Clear();
    protocol::fill_keyframe(s, kf);
    taken += ingest(kf) ? 1 : 0;
  }
  return taken;
}

void NodeHistory::record_schedulers(const v1::VmGauges& g) {
  // Only normal schedulers go in the heat strip: dirty ones are mostly idle
  // and would dilute the average that says whether the node is CPU-bound.
  std::vector<std::pair<std::uint32_t, double>> normal;
  for (const auto& s : g.scheduler_util()) {
    if (s.kind() == v1::SchedulerUtil::NORMAL) normal.emplace_back(s.id(), s.utilization());
  }
  std::sort(normal.begin(), normal.end());
  std::vector<std::uint32_t> ids;
  ids.reserve(normal.size());
  for (const auto& [id, u] : normal) ids.push_back(id);
  if (ids != scheduler_ids_) {
    // Schedulers came online or went offline: old rows no longer line up.
    scheduler_ids_ = ids;
    schedulers_.assign(ids.size(), RingBuffer<float>(capacity_));
    // Pad so every scheduler row has as many samples as the time axis.
    for (auto& row : schedulers_) {
      for (std::size_t i = 0; i + 1 < times_.size(); ++i) row.push(static_cast<float>(kNaN));
    }
  }
  double sum = 0.0;
  for (std::size_t i = 0; i < normal.size(); ++i) {
    const double u = std::clamp(normal[i].second, 0.0, 1.0);
    schedulers_[i].push(static_cast<float>(u));
    sum += u;
  }
  push(Series::kSchedulerUtilAvg, normal.empty() ? kNaN : sum / static_cast<double>(normal.size()));
}

std::size_t NodeHistory::samples_within(std::uint64_t window_ms) const {
  if (times_.empty()) return 0;
  const std::uint64_t newest = times_.back();
  const std::uint64_t from = newest > window_ms ? newest - window_ms : 0;
  std::size_t n = 0;
  // Walk back from the newest; windows are at most the capacity long.
  for (std::size_t i = times_.size(); i-- > 0;) {
    if (times_[i] < from) break;
    ++n;
  }
  return n;
}

double NodeHistory::latest(Series s) const {
  const auto& r = series(s);
  return r.empty() ? kNaN : static_cast<double>(r.back());
}

}  // namespace beamscope::gui
