// A recording's ticks by segment; see history_index.hpp.
#include "beamscope/recording/history_index.hpp"

#include <algorithm>

namespace beamscope::recording {

void scan_ticks(Reader& reader, std::size_t start, TickTime time,
                const std::function<void(const std::string& node, const protocol::GaugeSample& tick,
                                         std::int64_t record_us)>& each) {
  std::map<std::string, std::uint64_t> mailbox_sums;  // a delta's histogram is sent only when it changes
  protocol::FrameGauges frame;
  reader.scan_segment(start, [&](const RecordView& r) {
    if (!protocol::read_frame_gauges(r.envelope, frame)) return true;
    const std::int64_t t = time == TickTime::kRecord ? r.time_us : frame.timestamp_us;
    auto s = protocol::frame_sample(frame, mailbox_sums[frame.node], t);
    // A checkpoint repeats a tick a frame before it carried (stamped later),
    // except in the file's first segment.
    if (s && t > 0 && (r.kind == RecordKind::kFrame || start == 0)) each(frame.node, *s, r.time_us);
    return true;
  });
}

std::vector<std::size_t> HistoryIndex::segments_within(std::int64_t from_us, std::int64_t to_us) const {
  std::vector<std::size_t> out;
  const auto& chunks = reader_.chunks();
  if (chunks.empty() || from_us > to_us) return out;
  for (std::size_t i = reader_.segment_at(from_us); i < chunks.size() && chunks[i].t_first_us <= to_us; ++i)
    if (out.empty() || out.back() != chunks[i].segment_start) out.push_back(chunks[i].segment_start);
  return out;
}

std::vector<std::size_t> HistoryIndex::missing(std::int64_t from_us, std::int64_t to_us) const {
  std::vector<std::size_t> out;
  for (std::size_t s : segments_within(from_us, to_us))
    if (!segments_.count(s)) out.push_back(s);
  std::reverse(out.begin(), out.end());
  return out;
}

void HistoryIndex::add(std::size_t start, std::int64_t from_us, std::int64_t to_us) {
  if (segments_.count(start) || start >= reader_.chunks().size()) return;
  Ticks ticks;
  std::size_t n = 0;
  // Stamped with the record's time: the replay's timeline, never going back.
  scan_ticks(reader_, start, TickTime::kRecord,
             [&](const std::string& node, const protocol::GaugeSample& s, std::int64_t) {
               ticks[node].push_back(s);
               ++n;
             });
  const std::size_t bytes = n * sizeof(protocol::GaugeSample) + ticks.size() * 64;
  make_room(from_us, to_us);
  segments_.emplace(start, std::move(ticks));
  segment_bytes_[start] = bytes;
  bytes_ += bytes;
}

void HistoryIndex::make_room(std::int64_t from_us, std::int64_t to_us) {
  if (bytes_ <= kMaxBytes) return;
  const auto needed = segments_within(from_us, to_us);
  for (auto it = segments_.begin(); it != segments_.end() && bytes_ > kMaxBytes;) {
    if (std::binary_search(needed.begin(), needed.end(), it->first)) {
      ++it;
      continue;
    }
    bytes_ -= segment_bytes_[it->first];
    segment_bytes_.erase(it->first);
    it = segments_.erase(it);
  }
}

void HistoryIndex::forget_from(std::size_t start) {
  for (auto it = segments_.lower_bound(start); it != segments_.end(); it = segments_.erase(it)) {
    bytes_ -= segment_bytes_[it->first];
    segment_bytes_.erase(it->first);
  }
}

std::map<std::string, v1::History> HistoryIndex::histories(std::int64_t from_us, std::int64_t to_us,
                                                           std::string_view only) const {
  std::map<std::string, std::vector<protocol::GaugeSample>> merged;
  for (std::size_t seg : segments_within(from_us, to_us)) {
    auto it = segments_.find(seg);
    if (it == segments_.end()) continue;
    for (const auto& [node, ticks] : it->second) {
      if (!only.empty() && node != only) continue;
      auto& out = merged[node];
      for (const auto& s : ticks) {
        if (s.time_us < from_us || s.time_us > to_us) continue;
        // One tick a node uptime (an agent may resend one).
        if (!out.empty() && out.back().uptime_ms == s.uptime_ms) continue;
        out.push_back(s);
      }
    }
  }
  std::map<std::string, v1::History> out;
  for (const auto& [node, ticks] : merged) {
    if (ticks.empty()) continue;
    protocol::SampleRing ring(std::min(ticks.size(), protocol::kMaxHistorySamples));
    for (std::size_t i = ticks.size() - ring.capacity(); i < ticks.size(); ++i) ring.push(ticks[i]);
    v1::History& h = out[node];
    protocol::append_history(ring, 0, h);
    h.set_window_s(static_cast<std::uint32_t>((to_us - from_us + 999'999) / 1'000'000));
  }
  return out;
}

}  // namespace beamscope::recording
