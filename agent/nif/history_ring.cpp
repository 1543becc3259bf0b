// The agent's history ring; see history_ring.hpp.
#include "history_ring.hpp"

#include <algorithm>

#include "beamscope/protocol/framing.hpp"

namespace beamscope::agent {

namespace {

std::size_t ring_capacity(std::uint32_t window_s, std::uint32_t tick_ms) {
  if (window_s == 0) return 0;
  const std::uint64_t ticks = std::uint64_t{window_s} * 1000 / std::max<std::uint32_t>(tick_ms, 1) + 1;
  return static_cast<std::size_t>(std::min<std::uint64_t>(ticks, protocol::kMaxHistorySamples));
}

}  // namespace

HistoryRing::HistoryRing(std::uint32_t window_s, std::uint32_t tick_ms)
    : window_s_(window_s), tick_ms_(tick_ms), ring_(ring_capacity(window_s, tick_ms)) {}

void HistoryRing::record(const v1::Keyframe& kf) {
  if (!enabled() || !kf.has_gauges()) return;
  const protocol::GaugeSample s = protocol::gauge_sample(kf);
  std::lock_guard lock(mu_);
  // An early tick (an alarm, a restart) soon after the last one replaces it.
  if (!ring_.empty() && s.uptime_ms >= ring_.back().uptime_ms &&
      s.uptime_ms - ring_.back().uptime_ms < tick_ms_ / 2)
    ring_.drop_newest();
  ring_.push(s);
  for (const auto& e : kf.events()) {
    if (e.id() <= last_event_id_) continue;
    last_event_id_ = e.id();
    events_.push_back(e);
    event_bytes_ += e.SpaceUsedLong();
  }
  trim_events(s.time_us);
}

void HistoryRing::trim_events(std::int64_t now_us) {
  const std::int64_t oldest = now_us - std::int64_t{window_s_} * 1000000;
  while (!events_.empty()) {
    const bool old = events_.front().time_us() < oldest;
    const bool over = events_.size() > kMaxRingEvents || event_bytes_ > kMaxRingEventBytes;
    if (!old && !over) break;
    if (!old) ++events_dropped_;
    event_bytes_ -= std::min<std::uint64_t>(event_bytes_, events_.front().SpaceUsedLong());
    events_.pop_front();
  }
}

std::uint64_t HistoryRing::bytes_locked() const { return sizeof(*this) + ring_.bytes() + event_bytes_; }

v1::HistoryStats HistoryRing::stats() const {
  std::lock_guard lock(mu_);
  v1::HistoryStats st;
  st.set_window_s(window_s_);
  st.set_samples(static_cast<std::uint32_t>(ring_.size()));
  st.set_events(static_cast<std::uint32_t>(events_.size()));
  st.set_bytes(bytes_locked());
  st.set_events_dropped_total(events_dropped_);
  st.set_oldest_us(ring_.empty() ? 0 : ring_[0].time_us);
  return st;
}

std::optional<v1::Envelope> HistoryRing::history() const {
  if (!enabled()) return std::nullopt;
  v1::Envelope env;
  auto* h = env.mutable_history();
  {
    std::lock_guard lock(mu_);
    if (ring_.empty()) return std::nullopt;
    protocol::append_history(ring_, 0, *h);
    for (const auto& e : events_) *h->add_events() = e;
  }
  h->set_window_s(window_s_);
  return env;
}

v1::HistoryAnswer HistoryRing::answer(const v1::HistoryRequest& request) const {
  v1::HistoryAnswer a;
  a.set_request_id(request.request_id());
  a.set_series(request.series());
  const protocol::SeriesDef* s = protocol::find_series(request.series());
  if (!s) {
    a.set_series(request.series().substr(0, 64));
    a.set_error("unknown series; known: " + protocol::series_names());
    return a;
  }
  if (!enabled()) {
    a.set_error("history is disabled on this agent (history_s 0)");
    return a;
  }
  std::lock_guard lock(mu_);
  a.set_oldest_us(ring_.empty() ? 0 : ring_[0].time_us);
  protocol::append_points(*s, ring_, request.from_us(), request.to_us(), a);
  return a;
}

}  // namespace beamscope::agent
