// The history's vocabulary and conversions; see history_series.hpp.
#include "beamscope/protocol/history_series.hpp"

#include <algorithm>
#include <utility>

#include <google/protobuf/io/coded_stream.h>

#include "beamscope/protocol/limits.hpp"

namespace beamscope::protocol {

namespace {

using G = v1::GaugeColumn;

constexpr SeriesDef kSeries[] = {
    {"process_count", G::PROCESS_COUNT, SeriesKind::kGauge, "processes"},
    {"port_count", G::PORT_COUNT, SeriesKind::kGauge, "ports"},
    {"atom_count", G::ATOM_COUNT, SeriesKind::kGauge, "atoms"},
    {"ets_count", G::ETS_COUNT, SeriesKind::kGauge, "tables"},
    {"run_queue", G::RUN_QUEUE_TOTAL, SeriesKind::kGauge, "processes"},
    {"mailbox_messages", G::MAILBOX_MESSAGES, SeriesKind::kGauge, "messages"},
    {"scheduler_utilization", G::SCHEDULER_UTIL_PPM, SeriesKind::kPpm, "ratio"},
    {"memory_total", G::MEMORY_TOTAL, SeriesKind::kGauge, "bytes"},
    {"memory_processes", G::MEMORY_PROCESSES, SeriesKind::kGauge, "bytes"},
    {"memory_system", G::MEMORY_SYSTEM, SeriesKind::kGauge, "bytes"},
    {"memory_atom", G::MEMORY_ATOM, SeriesKind::kGauge, "bytes"},
    {"memory_binary", G::MEMORY_BINARY, SeriesKind::kGauge, "bytes"},
    {"memory_code", G::MEMORY_CODE, SeriesKind::kGauge, "bytes"},
    {"memory_ets", G::MEMORY_ETS, SeriesKind::kGauge, "bytes"},
    {"reductions_per_s", G::REDUCTIONS_TOTAL, SeriesKind::kRate, "per_second"},
    {"gc_per_s", G::GC_COUNT_TOTAL, SeriesKind::kRate, "per_second"},
    {"gc_words_reclaimed_per_s", G::GC_WORDS_RECLAIMED_TOTAL, SeriesKind::kRate, "words_per_second"},
    {"io_input_bytes_per_s", G::IO_INPUT_BYTES_TOTAL, SeriesKind::kRate, "bytes_per_second"},
    {"io_output_bytes_per_s", G::IO_OUTPUT_BYTES_TOTAL, SeriesKind::kRate, "bytes_per_second"},
    {"context_switches_per_s", G::CONTEXT_SWITCHES_TOTAL, SeriesKind::kRate, "per_second"},
};

std::uint64_t& at(GaugeSample& s, G::Gauge g) { return s.v[static_cast<std::size_t>(g)]; }

}  // namespace

GaugeSample gauge_sample(const v1::Keyframe& kf) {
  return gauge_sample(kf.gauges(), kf.mailbox_histogram().sum(), kf.sampled_at_us());
}

std::optional<GaugeSample> frame_sample(const FrameGauges& f, std::uint64_t& mailbox_sum, std::int64_t time_us) {
  if (f.keyframe || f.has_mailbox) mailbox_sum = f.mailbox_sum;
  if (!f.has_gauges) return std::nullopt;
  return gauge_sample(f.gauges, mailbox_sum, time_us);
}

namespace {

using google::protobuf::io::CodedInputStream;

// Skips the field `tag` starts; false when malformed (or a group).
bool skip_field(CodedInputStream& in, std::uint32_t tag) {
  std::uint64_t v = 0;
  std::uint32_t n = 0;
  switch (tag & 7) {
    case 0: return in.ReadVarint64(&v);
    case 1: return in.Skip(8);
    case 2: return in.ReadVarint32(&n) && in.Skip(static_cast<int>(n));
    case 5: return in.Skip(4);
    default: return false;
  }
}

// Walks the fields of `bytes`, handing each length-delimited one to
// `field(number, bytes)` and skipping the others; false when malformed.
// `varint(number, value)` is handed the varint fields.
template <typename Field, typename Varint>
bool walk_fields(std::string_view bytes, Field&& field, Varint&& varint) {
  CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
  while (const std::uint32_t tag = in.ReadTag()) {
    if ((tag & 7) == 0) {
      std::uint64_t v = 0;
      if (!in.ReadVarint64(&v)) return false;
      varint(static_cast<int>(tag >> 3), v);
      continue;
    }
    if ((tag & 7) != 2) {
      if (!skip_field(in, tag)) return false;
      continue;
    }
    std::uint32_t n = 0;
    if (!in.ReadVarint32(&n)) return false;
    const auto at = static_cast<std::size_t>(in.CurrentPosition());
    if (!in.Skip(static_cast<int>(n))) return false;
    if (!field(static_cast<int>(tag >> 3), bytes.substr(at, n))) return false;
  }
  return static_cast<std::size_t>(in.CurrentPosition()) == bytes.size();
}

template <typename Field>
bool walk_fields(std::string_view bytes, Field&& field) {
  return walk_fields(bytes, std::forward<Field>(field), [](int, std::uint64_t) {});
}

}  // namespace

bool read_frame_gauges(std::string_view envelope, FrameGauges& out) {
  out.keyframe = out.has_gauges = out.has_mailbox = false;
  out.mailbox_sum = 0;
  out.timestamp_us = 0;
  out.node.clear();
  std::string_view body;
  bool has_body = false;
  const bool ok = walk_fields(
      envelope,
      [&](int number, std::string_view v) {
        if (number == v1::Envelope::kNodeFieldNumber) {
          out.node.assign(v);
        } else if (number == v1::Envelope::kKeyframeFieldNumber || number == v1::Envelope::kDeltaFieldNumber) {
          body = v;
          has_body = true;
          out.keyframe = number == v1::Envelope::kKeyframeFieldNumber;
        }
        return true;
      },
      [&](int number, std::uint64_t v) {
        if (number == v1::Envelope::kTimestampUsFieldNumber) out.timestamp_us = static_cast<std::int64_t>(v);
      });
  if (!ok || !has_body || out.node.empty()) return false;
  const int gauges = out.keyframe ? int{v1::Keyframe::kGaugesFieldNumber} : int{v1::Delta::kGaugesFieldNumber};
  const int mailbox = out.keyframe ? int{v1::Keyframe::kMailboxHistogramFieldNumber}
                                   : int{v1::Delta::kMailboxHistogramFieldNumber};
  return walk_fields(body, [&](int number, std::string_view v) {
    if (number == gauges) {
      out.has_gauges = true;
      return out.gauges.ParseFromArray(v.data(), static_cast<int>(v.size()));
    }
    if (number == mailbox) {
      v1::MailboxHistogram h;
      out.has_mailbox = true;
      if (!h.ParseFromArray(v.data(), static_cast<int>(v.size()))) return false;
      out.mailbox_sum = h.sum();
    }
    return true;
  });
}

GaugeSample gauge_sample(const v1::VmGauges& g, std::uint64_t mailbox_sum, std::int64_t time_us) {
  GaugeSample s;
  s.time_us = time_us;
  s.uptime_ms = g.uptime_ms();
  at(s, G::PROCESS_COUNT) = g.process_count();
  at(s, G::PORT_COUNT) = g.port_count();
  at(s, G::ATOM_COUNT) = g.atom_count();
  at(s, G::ETS_COUNT) = g.ets_count();
  at(s, G::RUN_QUEUE_TOTAL) = g.run_queue_total();
  const auto& m = g.memory();
  at(s, G::MEMORY_TOTAL) = m.total();
  at(s, G::MEMORY_PROCESSES) = m.processes();
  at(s, G::MEMORY_SYSTEM) = m.system();
  at(s, G::MEMORY_ATOM) = m.atom();
  at(s, G::MEMORY_BINARY) = m.binary();
  at(s, G::MEMORY_CODE) = m.code();
  at(s, G::MEMORY_ETS) = m.ets();
  at(s, G::REDUCTIONS_TOTAL) = g.reductions_total();
  at(s, G::GC_COUNT_TOTAL) = g.gc_count_total();
  at(s, G::GC_WORDS_RECLAIMED_TOTAL) = g.gc_words_reclaimed_total();
  at(s, G::IO_INPUT_BYTES_TOTAL) = g.io_input_bytes_total();
  at(s, G::IO_OUTPUT_BYTES_TOTAL) = g.io_output_bytes_total();
  at(s, G::CONTEXT_SWITCHES_TOTAL) = g.context_switches_total();
  at(s, G::MAILBOX_MESSAGES) = mailbox_sum;
  double sum = 0.0;
  int n = 0;
  for (const auto& u : g.scheduler_util()) {
    if (u.kind() != v1::SchedulerUtil::NORMAL) continue;
    sum += std::clamp(u.utilization(), 0.0, 1.0);
    ++n;
  }
  at(s, G::SCHEDULER_UTIL_PPM) = n ? static_cast<std::uint64_t>(sum / n * 1e6 + 0.5) : 0;
  return s;
}

void fill_keyframe(const GaugeSample& s, v1::Keyframe& kf) {
  kf.set_sampled_at_us(s.time_us);
  auto* g = kf.mutable_gauges();
  g->set_uptime_ms(s.uptime_ms);
  g->set_process_count(s[G::PROCESS_COUNT]);
  g->set_port_count(s[G::PORT_COUNT]);
  g->set_atom_count(s[G::ATOM_COUNT]);
  g->set_ets_count(s[G::ETS_COUNT]);
  g->set_run_queue_total(s[G::RUN_QUEUE_TOTAL]);
  auto* m = g->mutable_memory();
  m->set_total(s[G::MEMORY_TOTAL]);
  m->set_processes(s[G::MEMORY_PROCESSES]);
  m->set_system(s[G::MEMORY_SYSTEM]);
  m->set_atom(s[G::MEMORY_ATOM]);
  m->set_binary(s[G::MEMORY_BINARY]);
  m->set_code(s[G::MEMORY_CODE]);
  m->set_ets(s[G::MEMORY_ETS]);
  g->set_reductions_total(s[G::REDUCTIONS_TOTAL]);
  g->set_gc_count_total(s[G::GC_COUNT_TOTAL]);
  g->set_gc_words_reclaimed_total(s[G::GC_WORDS_RECLAIMED_TOTAL]);
  g->set_io_input_bytes_total(s[G::IO_INPUT_BYTES_TOTAL]);
  g->set_io_output_bytes_total(s[G::IO_OUTPUT_BYTES_TOTAL]);
  g->set_context_switches_total(s[G::CONTEXT_SWITCHES_TOTAL]);
  auto* u = g->add_scheduler_util();
  u->set_kind(v1::SchedulerUtil::NORMAL);
  u->set_utilization(static_cast<double>(s[G::SCHEDULER_UTIL_PPM]) / 1e6);
  kf.mutable_mailbox_histogram()->set_sum(s[G::MAILBOX_MESSAGES]);
}

std::span<const SeriesDef> series_vocabulary() { return kSeries; }

const SeriesDef* find_series(std::string_view name) {
  for (const auto& s : kSeries)
    if (s.name == name) return &s;
  return nullptr;
}

std::string series_names() {
  std::string out;
  for (const auto& s : kSeries) {
    if (!out.empty()) out += ", ";
    out += s.name;
  }
  return out;
}

std::optional<double> series_value(const SeriesDef& s, const GaugeSample& cur, const GaugeSample* prev) {
  const std::uint64_t v = cur[s.column];
  switch (s.kind) {
    case SeriesKind::kGauge: return static_cast<double>(v);
    case SeriesKind::kPpm: return static_cast<double>(v) / 1e6;
    case SeriesKind::kRate: {
      if (!prev || cur.uptime_ms <= prev->uptime_ms) return std::nullopt;
      const std::uint64_t before = (*prev)[s.column];
      if (v < before) return std::nullopt;
      return static_cast<double>(v - before) * 1000.0 / static_cast<double>(cur.uptime_ms - prev->uptime_ms);
    }
  }
  return std::nullopt;
}

void SampleRing::push(const GaugeSample& s) {
  if (buf_.empty()) return;
  if (size_ < buf_.size()) {
    buf_[(head_ + size_) % buf_.size()] = s;
    ++size_;
  } else {
    buf_[head_] = s;
    head_ = (head_ + 1) % buf_.size();
  }
}

void SampleRing::drop_oldest(std::size_t n) {
  n = std::min(n, size_);
  if (n == 0) return;
  head_ = (head_ + n) % buf_.size();
  size_ -= n;
}

std::size_t SampleRing::drop_before(std::int64_t oldest_us) {
  std::size_t n = 0;
  while (n < size_ && (*this)[n].time_us < oldest_us) ++n;
  drop_oldest(n);
  return n;
}

void append_history(const SampleRing& ring, std::size_t first, v1::History& h) {
  if (ring.size() - std::min(first, ring.size()) > kMaxHistorySamples) first = ring.size() - kMaxHistorySamples;
  const auto n = static_cast<int>(ring.size() - std::min(first, ring.size()));
  h.mutable_time_us()->Reserve(h.time_us_size() + n);
  h.mutable_uptime_ms()->Reserve(h.uptime_ms_size() + n);
  // One column per raw value, created in Gauge order on the first append.
  while (h.columns_size() < static_cast<int>(kGaugeColumns)) {
    auto* c = h.add_columns();
    c->set_gauge(static_cast<G::Gauge>(h.columns_size() - 1));
    c->mutable_values()->Resize(h.time_us_size(), 0);
  }
  for (auto& c : *h.mutable_columns()) c.mutable_values()->Reserve(c.values_size() + n);
  for (std::size_t i = first; i < ring.size(); ++i) {
    const GaugeSample& s = ring[i];
    h.add_time_us(s.time_us);
    h.add_uptime_ms(s.uptime_ms);
    for (auto& c : *h.mutable_columns()) c.add_values(s.v[static_cast<std::size_t>(c.gauge())]);
  }
}

std::vector<GaugeSample> history_samples(const v1::History& h) {
  std::vector<GaugeSample> out;
  if (!history_ok(h)) return out;
  out.resize(static_cast<std::size_t>(h.time_us_size()));
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].time_us = h.time_us(static_cast<int>(i));
    out[i].uptime_ms = h.uptime_ms(static_cast<int>(i));
  }
  for (const auto& c : h.columns()) {
    // Columns a newer producer added are skipped (unknown enum values).
    if (!G::Gauge_IsValid(c.gauge())) continue;
    for (std::size_t i = 0; i < out.size(); ++i) out[i].v[static_cast<std::size_t>(c.gauge())] = c.values(static_cast<int>(i));
  }
  return out;
}

bool history_ok(const v1::History& h) {
  const int n = h.time_us_size();
  if (static_cast<std::size_t>(n) > kMaxHistorySamples || h.uptime_ms_size() != n) return false;
  if (static_cast<std::size_t>(h.columns_size()) > 2 * kGaugeColumns) return false;
  for (const auto& c : h.columns())
    if (c.values_size() != n) return false;
  return static_cast<std::size_t>(h.events_size()) <= limits::kMaxEvents;
}

bool history_answer_ok(const v1::HistoryAnswer& a) {
  return static_cast<std::size_t>(a.points_size()) <= kMaxHistoryPoints && a.series().size() <= limits::kMaxString &&
         a.error().size() <= limits::kMaxString;
}

void append_points(const SeriesDef& s, const SampleRing& ring, std::int64_t from_us, std::int64_t to_us,
                   v1::HistoryAnswer& out) {
  for (std::size_t i = 0; i < ring.size(); ++i) {
    if (static_cast<std::size_t>(out.points_size()) >= kMaxHistoryPoints) return;
    const GaugeSample& cur = ring[i];
    if (cur.time_us < from_us || (to_us != 0 && cur.time_us > to_us)) continue;
    append_point(s, cur, i > 0 ? &ring[i - 1] : nullptr, out);
  }
}

bool append_point(const SeriesDef& s, const GaugeSample& cur, const GaugeSample* prev, v1::HistoryAnswer& out) {
  const auto v = series_value(s, cur, prev);
  if (!v) return false;
  auto* p = out.add_points();
  p->set_time_us(cur.time_us);
  p->set_value(*v);
  p->set_min(*v);
  p->set_max(*v);
  // A tick covers the time since the one before.
  if (prev && cur.uptime_ms > prev->uptime_ms) p->set_span_ms(static_cast<std::uint32_t>(cur.uptime_ms - prev->uptime_ms));
  return true;
}

}  // namespace beamscope::protocol
