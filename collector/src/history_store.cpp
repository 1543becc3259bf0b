// The collector's history; see history_store.hpp. Ticks enter at 1 s at
// most; a tick that leaves the hour is folded into its minute, so ticks
// taken from an agent's History are aggregated like live ones.
#include "beamscope/collector/history_store.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/limits.hpp"

namespace beamscope::collector {

namespace {

constexpr std::int64_t kMinuteUs = 60'000'000;
// On the node's uptime, a tick closer than this to the newest replaces it,
// as in the agent's ring at its default tick (an early tick after an
// alarm, a periodic keyframe repeating the last state) ...
constexpr std::uint64_t kReplaceMs = 500;
// ... while the newest's second lasts: a faster agent keeps one a second.
constexpr std::uint64_t kSlotMs = 1000;

// Whether a tick at uptime `up` replaces the newest (at `newest_up`, its
// second begun at `slot_up`): record() and restore() thin alike.
bool same_slot(std::uint64_t newest_up, std::uint64_t slot_up, std::uint64_t up) {
  return up >= newest_up && up - newest_up < kReplaceMs && up - slot_up < kSlotMs;
}

std::int64_t minute_of(std::int64_t t_us) { return t_us - ((t_us % kMinuteUs) + kMinuteUs) % kMinuteUs; }

constexpr std::size_t kTickBytes = deque_cost(sizeof(protocol::GaugeSample));

}  // namespace

const char* to_string(HistoryDrop kind) {
  switch (kind) {
    case HistoryDrop::kTicks: return "ticks";
    case HistoryDrop::kMinutes: return "minutes";
    case HistoryDrop::kEvents: return "events";
    case HistoryDrop::kAlerts: return "alerts";
    case HistoryDrop::kTreeChanges: return "tree_changes";
  }
  return "ticks";
}

std::optional<std::string> parse_memory_limit(std::string_view text, std::uint64_t& bytes) {
  const std::string shown(text.substr(0, 64));
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  const std::string_view unit = text.substr(static_cast<std::size_t>(end - text.data()));
  int shift = -1;
  if (unit.empty()) shift = 0;
  else if (unit == "KiB") shift = 10;
  else if (unit == "MiB") shift = 20;
  else if (unit == "GiB") shift = 30;
  if (ec != std::errc{} || end == text.data() || shift < 0)
    return "--memory-limit " + shown + ": expected BYTES, NKiB, NMiB or NGiB, e.g. 512MiB";
  if (n > (kMaxHistoryMemory >> shift) || (n << shift) < kMinHistoryMemory)
    return "--memory-limit " + shown + ": must be between 1MiB and 1024GiB";
  bytes = n << shift;
  return std::nullopt;
}

std::size_t HistoryStore::overhead(const std::string& name) { return sizeof(Node) + name.size() + 64; }

HistoryStore::HistoryStore(const HistoryOptions& opts) : opts_(opts) {
  if (protocol::series_vocabulary().size() > kSeries) throw std::logic_error("more series than HistoryStore holds");
}

HistoryStore::Node& HistoryStore::node_locked(const std::string& name) {
  auto [it, inserted] = nodes_.try_emplace(name);
  if (inserted) bytes_ += overhead(name);
  return it->second;
}

void HistoryStore::record(const std::string& node, const v1::Envelope& env) {
  if (!env.has_keyframe() && !env.has_delta()) return;
  const bool key = env.has_keyframe();
  const bool has_gauges = key ? env.keyframe().has_gauges() : env.delta().has_gauges();
  const bool has_mailbox = key ? env.keyframe().has_mailbox_histogram() : env.delta().has_mailbox_histogram();
  const auto& events = key ? env.keyframe().events() : env.delta().events();
  std::lock_guard lock(mu_);
  Node& n = node_locked(node);
  if (has_mailbox)
    n.mailbox_sum = key ? env.keyframe().mailbox_histogram().sum() : env.delta().mailbox_histogram().sum();
  if (has_gauges) {
    // The mailbox sum a delta does not resend is the last one seen.
    protocol::GaugeSample s = protocol::gauge_sample(key ? env.keyframe().gauges() : env.delta().gauges(),
                                                     n.mailbox_sum, env.timestamp_us());
    // The node restarted: its event ids start again.
    if (!n.ticks.empty() && s.uptime_ms < n.ticks.back().uptime_ms) n.last_event_id = 0;
    add_tick(n, s);
  }
  for (const auto& e : events) add_event(n, e);
  follow_logs(n, env);
  enforce_limit();
}

void HistoryStore::follow_logs(Node& n, const v1::Envelope& env) {
  const std::uint64_t was = n.logs.bytes();
  n.logs.follow(env, opts_.max_log_entries);
  bytes_ += n.logs.bytes() - was;  // modular: a shrink comes out right
  const auto dropped = n.logs.take_dropped();
  dropped_[static_cast<std::size_t>(HistoryDrop::kAlerts)] += dropped[NodeLogs::kAlerts];
  dropped_[static_cast<std::size_t>(HistoryDrop::kTreeChanges)] += dropped[NodeLogs::kTree];
}

void HistoryStore::expire_logs(Node& n, std::int64_t before_us) {
  const std::uint64_t was = n.logs.bytes();
  n.logs.expire(before_us);
  bytes_ -= was - n.logs.bytes();
}

bool HistoryStore::holds_nothing(const Node& n) {
  return n.ticks.empty() && n.minutes.empty() && n.current.empty && n.events.empty() && !n.logs.has_entries();
}

void HistoryStore::add_tick(Node& n, protocol::GaugeSample s) {
  if (!n.ticks.empty() && same_slot(n.ticks.back().uptime_ms, n.slot_uptime_ms, s.uptime_ms)) {
    n.ticks.pop_back();
    bytes_ -= kTickBytes;
  } else {
    n.slot_uptime_ms = s.uptime_ms;
  }
  // Order is the order ticks came in: a wall clock that went back is held.
  if (s.time_us < n.last_time_us) {
    s.time_us = n.last_time_us;
    ++clock_held_;
  }
  n.last_time_us = s.time_us;
  n.seen_us = protocol::now_us();
  n.ticks.push_back(s);
  bytes_ += kTickBytes;
  fold_old(n, s.time_us, /*keep_newest=*/true);
}

// Ticks older than the hour before `newest` (the node's clock) go into
// their minute; minutes and events older than the day go.
void HistoryStore::fold_old(Node& n, std::int64_t newest, bool keep_newest) {
  const std::int64_t oldest_tick = newest - std::int64_t{opts_.fine_s} * 1'000'000;
  const std::size_t keep = keep_newest ? 1 : 0;
  while (n.ticks.size() > keep && (n.ticks.front().time_us < oldest_tick || n.ticks.size() > 2 * opts_.fine_s)) {
    const protocol::GaugeSample gone = n.ticks.front();
    fold(n, gone);
    n.ticks.pop_front();
    bytes_ -= kTickBytes;
  }
  const std::int64_t oldest_minute = newest - std::int64_t{opts_.minutes} * kMinuteUs;
  while (!n.minutes.empty() && (n.minutes.front().start_us < oldest_minute || n.minutes.size() > opts_.minutes)) {
    n.minutes.pop_front();
    bytes_ -= kMinuteBytes;
  }
  if (!n.current.empty && n.current.start_us + kMinuteUs <= oldest_minute && n.minutes.empty()) n.current = Minute{};
  while (!n.events.empty() && n.events.front().time_us() < oldest_minute) pop_event(n);
  expire_logs(n, oldest_minute);
}

void HistoryStore::expire(std::int64_t now_us) {
  std::lock_guard lock(mu_);
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    Node& n = it->second;
    // The node's clock now: its newest tick, plus the time since it came.
    if (n.last_time_us != INT64_MIN) fold_old(n, n.last_time_us + std::max<std::int64_t>(0, now_us - n.seen_us), false);
    if (holds_nothing(n)) {
      bytes_ -= overhead(it->first) + n.logs.bytes();  // its logs' baseline
      it = nodes_.erase(it);
    } else {
      ++it;
    }
  }
}

// `s` leaves the ticks (it is ticks.front()): into the minute being filled.
void HistoryStore::fold(Node& n, const protocol::GaugeSample& s) {
  const std::int64_t start = minute_of(s.time_us);
  if (!n.current.empty && n.current.start_us != start) close_minute(n);
  Minute& m = n.current;
  if (m.empty) {
    m.start_us = start;
    m.min.fill(std::numeric_limits<double>::infinity());
    m.max.fill(-std::numeric_limits<double>::infinity());
    m.sum.fill(0.0);
    m.count.fill(0);
    m.empty = false;
  }
  const auto series = protocol::series_vocabulary();
  const protocol::GaugeSample* prev = n.has_before ? &n.before_front : nullptr;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto v = protocol::series_value(series[i], s, prev);
    if (!v) continue;
    m.min[i] = std::min(m.min[i], *v);
    m.max[i] = std::max(m.max[i], *v);
    m.sum[i] += *v;
    ++m.count[i];
  }
  n.before_front = s;
  n.has_before = true;
  n.floor_us = s.time_us;
}

void HistoryStore::close_minute(Node& n) {
  n.minutes.push_back(n.current);
  bytes_ += kMinuteBytes;
  n.current = Minute{};
}

void HistoryStore::add_event(Node& n, const v1::Event& e) {
  // Keyframes repeat recent events: each id once.
  if (e.id() <= n.last_event_id) return;
  n.last_event_id = e.id();
  n.events.push_back(e);
  const std::uint64_t size = e.SpaceUsedLong();
  n.event_bytes += size;
  bytes_ += size;
  while (n.events.size() > opts_.max_events) {
    pop_event(n);
    ++dropped_[static_cast<std::size_t>(HistoryDrop::kEvents)];
  }
}

void HistoryStore::pop_event(Node& n) {
  const std::uint64_t size = std::min<std::uint64_t>(n.event_bytes, n.events.front().SpaceUsedLong());
  n.event_bytes -= size;
  bytes_ -= size;
  n.events.pop_front();
}

void HistoryStore::enforce_limit() {
  while (bytes_ > opts_.memory_limit && drop_oldest()) {
  }
}

// The oldest datum of any node, whatever its kind; a node left with
// nothing goes too. False when nothing can be dropped.
bool HistoryStore::drop_oldest() {
  enum class Pick { kNone, kMinute, kCurrent, kTick, kEvent, kAlert, kTreeChange };
  Pick pick = Pick::kNone;
  Node* at = nullptr;
  std::int64_t oldest = std::numeric_limits<std::int64_t>::max();
  auto consider = [&](Node& n, Pick p, std::int64_t t) {
    if (t < oldest) oldest = t, pick = p, at = &n;
  };
  for (auto& [name, n] : nodes_) {
    if (!n.minutes.empty()) consider(n, Pick::kMinute, n.minutes.front().start_us);
    else if (!n.current.empty) consider(n, Pick::kCurrent, n.current.start_us);
    if (!n.ticks.empty()) consider(n, Pick::kTick, n.ticks.front().time_us);
    if (!n.events.empty()) consider(n, Pick::kEvent, n.events.front().time_us());
    if (n.logs.size(NodeLogs::kAlerts)) consider(n, Pick::kAlert, n.logs.front_us(NodeLogs::kAlerts));
    if (n.logs.size(NodeLogs::kTree)) consider(n, Pick::kTreeChange, n.logs.front_us(NodeLogs::kTree));
  }
  switch (pick) {
    case Pick::kNone: return false;
    case Pick::kMinute:
      at->minutes.pop_front();
      bytes_ -= kMinuteBytes;
      ++dropped_[static_cast<std::size_t>(HistoryDrop::kMinutes)];
      break;
    case Pick::kCurrent:
      at->current = Minute{};
      ++dropped_[static_cast<std::size_t>(HistoryDrop::kMinutes)];
      break;
    case Pick::kTick:
      at->before_front = at->ticks.front();
      at->has_before = true;
      at->floor_us = at->ticks.front().time_us;
      at->ticks.pop_front();
      bytes_ -= kTickBytes;
      ++dropped_[static_cast<std::size_t>(HistoryDrop::kTicks)];
      break;
    case Pick::kEvent:
      pop_event(*at);
      ++dropped_[static_cast<std::size_t>(HistoryDrop::kEvents)];
      break;
    case Pick::kAlert:
    case Pick::kTreeChange: {
      const auto w = pick == Pick::kAlert ? NodeLogs::kAlerts : NodeLogs::kTree;
      const std::uint64_t was = at->logs.bytes();
      at->logs.pop_front(w);
      bytes_ -= was - at->logs.bytes();
      ++dropped_[static_cast<std::size_t>(pick == Pick::kAlert ? HistoryDrop::kAlerts : HistoryDrop::kTreeChanges)];
      break;
    }
  }
  if (holds_nothing(*at)) {
    for (auto it = nodes_.begin(); it != nodes_.end(); ++it) {
      if (&it->second != at) continue;
      bytes_ -= overhead(it->first) + at->logs.bytes();
      nodes_.erase(it);
      break;
    }
  }
  return true;
}

void HistoryStore::backfill(const std::string& node, const v1::History& h) {
  const auto samples = protocol::history_samples(h);  // empty when malformed
  std::lock_guard lock(mu_);
  Node& n = node_locked(node);
  // Only what is older than what we hold, and newer than what was folded
  // or dropped: the agent's past before we saw it, at 1 s.
  const bool held = !n.ticks.empty();
  const std::int64_t before = held ? n.ticks.front().time_us : std::numeric_limits<std::int64_t>::max();
  const std::uint64_t before_up = held ? n.ticks.front().uptime_ms : std::numeric_limits<std::uint64_t>::max();
  std::deque<protocol::GaugeSample> older;
  for (const auto& s : samples) {
    if (s.time_us <= n.floor_us || s.time_us >= before || s.uptime_ms >= before_up) continue;
    if (!older.empty() && (s.time_us < older.back().time_us || s.uptime_ms < older.back().uptime_ms + kReplaceMs))
      continue;
    older.push_back(s);
  }
  while (held && !older.empty() && before_up - older.back().uptime_ms < kReplaceMs) older.pop_back();
  if (!held && !older.empty()) {
    n.last_time_us = std::max(n.last_time_us, older.back().time_us);
    n.seen_us = protocol::now_us();
  }
  backfilled_ += older.size();
  bytes_ += older.size() * kTickBytes;
  n.ticks.insert(n.ticks.begin(), older.begin(), older.end());
  // Events older than those kept, oldest first, before them.
  std::deque<v1::Event> earlier;
  for (const auto& e : h.events()) {
    const bool take = n.events.empty() ? e.id() > n.last_event_id
                                       : e.id() < n.events.front().id() &&
                                             e.time_us() <= n.events.front().time_us();
    if (!take || e.time_us() <= n.floor_us) continue;
    if (!earlier.empty() && e.id() <= earlier.back().id()) continue;
    earlier.push_back(e);
  }
  for (const auto& e : earlier) {
    const std::uint64_t size = e.SpaceUsedLong();
    n.event_bytes += size;
    bytes_ += size;
  }
  if (n.events.empty() && !earlier.empty()) n.last_event_id = earlier.back().id();
  n.events.insert(n.events.begin(), earlier.begin(), earlier.end());
  while (n.events.size() > opts_.max_events) {
    pop_event(n);
    ++dropped_[static_cast<std::size_t>(HistoryDrop::kEvents)];
  }
  if (!n.ticks.empty()) fold_old(n, n.ticks.back().time_us, /*keep_newest=*/true);
  enforce_limit();
}

void HistoryStore::restore(const std::string& node, const std::vector<protocol::GaugeSample>& ticks) {
  // Thinned as record() thins live ticks, the clock held as there.
  std::deque<protocol::GaugeSample> kept;
  std::uint64_t slot_up = 0;
  for (protocol::GaugeSample s : ticks) {
    if (!kept.empty() && s.time_us < kept.back().time_us) s.time_us = kept.back().time_us;
    if (!kept.empty() && same_slot(kept.back().uptime_ms, slot_up, s.uptime_ms)) {
      kept.back() = s;
      continue;
    }
    slot_up = s.uptime_ms;
    kept.push_back(s);
  }
  std::lock_guard lock(mu_);
  Node& n = node_locked(node);
  // Only what is older than the ticks held (live since the start) and
  // newer than what was folded or dropped, as for an agent's History.
  const bool held = !n.ticks.empty();
  while (held && !kept.empty() && (kept.back().time_us >= n.ticks.front().time_us ||
                                   same_slot(kept.back().uptime_ms, kept.back().uptime_ms, n.ticks.front().uptime_ms)))
    kept.pop_back();
  while (!kept.empty() && kept.front().time_us <= n.floor_us) kept.pop_front();
  if (kept.empty()) return;
  if (!held) {
    n.last_time_us = std::max(n.last_time_us, kept.back().time_us);
    n.slot_uptime_ms = slot_up;
    n.seen_us = protocol::now_us();
  }
  restored_ += kept.size();
  bytes_ += kept.size() * kTickBytes;
  n.ticks.insert(n.ticks.begin(), kept.begin(), kept.end());
  fold_old(n, n.ticks.back().time_us, /*keep_newest=*/true);
  enforce_limit();
}

std::optional<v1::Envelope> HistoryStore::history(const std::string& node) const {
  v1::Envelope env;
  auto* h = env.mutable_history();
  {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(node);
    if (it == nodes_.end() || it->second.ticks.empty()) return std::nullopt;
    const Node& n = it->second;
    const std::int64_t from = n.ticks.back().time_us - std::int64_t{opts_.hello_s} * 1'000'000;
    auto first = std::lower_bound(n.ticks.begin(), n.ticks.end(), from,
                                  [](const protocol::GaugeSample& s, std::int64_t t) { return s.time_us < t; });
    const auto count = std::min<std::size_t>(static_cast<std::size_t>(n.ticks.end() - first), protocol::kMaxHistorySamples);
    protocol::SampleRing ring(count);
    for (auto t = n.ticks.end() - static_cast<std::ptrdiff_t>(count); t != n.ticks.end(); ++t) ring.push(*t);
    protocol::append_history(ring, 0, *h);
    std::size_t e = 0;
    while (e < n.events.size() && n.events[e].time_us() < from) ++e;
    e = std::max(e, n.events.size() - std::min(n.events.size(), protocol::limits::kMaxEvents));
    for (; e < n.events.size(); ++e) *h->add_events() = n.events[e];
  }
  h->set_window_s(opts_.fine_s);
  return env;
}

v1::HistoryAnswer HistoryStore::answer(const std::string& node, const v1::HistoryRequest& request) const {
  v1::HistoryAnswer a;
  a.set_request_id(request.request_id());
  if (request.log() != v1::HistoryRequest::SERIES) {
    a.set_log(request.log());
    if (request.log() != v1::HistoryRequest::ALERTS && request.log() != v1::HistoryRequest::TREE_CHANGES) {
      a.set_error("unknown log " + std::to_string(request.log()) + "; known: alerts, tree changes");
      return a;
    }
    std::lock_guard lock(mu_);
    auto it = nodes_.find(node);
    if (it == nodes_.end()) a.set_error("this collector keeps no history of node " + node.substr(0, 255));
    else it->second.logs.answer(request, a);
    return a;
  }
  a.set_series(request.series().substr(0, 64));
  const protocol::SeriesDef* s = protocol::find_series(request.series());
  if (!s) {
    a.set_error("unknown series " + request.series().substr(0, 64) + "; known: " + protocol::series_names());
    return a;
  }
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end()) {
    a.set_error("this collector keeps no history of node " + node.substr(0, 255));
    return a;
  }
  add_points(it->second, static_cast<std::size_t>(s - protocol::series_vocabulary().data()), request, a);
  return a;
}

void HistoryStore::add_points(const Node& n, std::size_t series, const v1::HistoryRequest& request,
                              v1::HistoryAnswer& a) const {
  const protocol::SeriesDef& s = protocol::series_vocabulary()[series];
  const std::int64_t from = request.from_us();
  const std::int64_t to = request.to_us() == 0 ? std::numeric_limits<std::int64_t>::max() : request.to_us();
  std::int64_t oldest = 0;
  if (!n.minutes.empty()) oldest = n.minutes.front().start_us;
  else if (!n.current.empty) oldest = n.current.start_us;
  else if (!n.ticks.empty()) oldest = n.ticks.front().time_us;
  a.set_oldest_us(oldest);
  auto full = [&] { return static_cast<std::size_t>(a.points_size()) >= protocol::kMaxHistoryPoints; };
  auto add_minute = [&](const Minute& m) {
    if (m.empty || m.count[series] == 0 || m.start_us + kMinuteUs <= from || m.start_us > to || full()) return;
    auto* p = a.add_points();
    p->set_time_us(m.start_us);
    p->set_value(m.sum[series] / m.count[series]);
    p->set_min(m.min[series]);
    p->set_max(m.max[series]);
    p->set_span_ms(60'000);
  };
  for (const auto& m : n.minutes) add_minute(m);
  add_minute(n.current);
  auto first = std::lower_bound(n.ticks.begin(), n.ticks.end(), from,
                                [](const protocol::GaugeSample& t, std::int64_t v) { return t.time_us < v; });
  for (auto t = first; t != n.ticks.end() && t->time_us <= to && !full(); ++t) {
    const protocol::GaugeSample* prev = t != n.ticks.begin() ? &*(t - 1) : (n.has_before ? &n.before_front : nullptr);
    protocol::append_point(s, *t, prev, a);
  }
}

HistoryStoreStats HistoryStore::stats() const {
  std::lock_guard lock(mu_);
  HistoryStoreStats st;
  st.bytes = bytes_;
  st.memory_limit = opts_.memory_limit;
  st.nodes = nodes_.size();
  for (const auto& [name, n] : nodes_) {
    st.ticks += n.ticks.size();
    st.minutes += n.minutes.size() + (n.current.empty ? 0 : 1);
    st.events += n.events.size();
    st.alerts += n.logs.size(NodeLogs::kAlerts);
    st.tree_changes += n.logs.size(NodeLogs::kTree);
  }
  st.dropped = dropped_;
  st.backfilled = backfilled_;
  st.restored = restored_;
  st.clock_held = clock_held_;
  return st;
}

}  // namespace beamscope::collector
