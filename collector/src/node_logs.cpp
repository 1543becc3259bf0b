// A node's alert and tree change logs; see node_logs.hpp.
#include "beamscope/collector/node_logs.hpp"

#include <algorithm>
#include <limits>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/limits.hpp"

namespace beamscope::collector {

namespace {

// An entry's deque slot besides the message itself.
std::uint64_t entry_bytes(const v1::LogEntry& e) { return e.SpaceUsedLong() + sizeof(void*); }

std::int64_t time_of(const v1::LogEntry& e) { return e.time_us(); }

}  // namespace

void NodeLogs::follow(const v1::Envelope& env, std::size_t max_entries) {
  const bool key = env.has_keyframe();
  if (!key && (!known_ || !env.has_delta())) return;
  const std::int64_t time_us = env.timestamp_us() != 0 ? env.timestamp_us() : protocol::now_us();
  std::vector<v1::LogEntry> alerts, tree;
  if (key || env.delta().has_alerts()) {
    const v1::Alerts& now = key ? env.keyframe().alerts() : env.delta().alerts();
    protocol::diff_alerts(alerts_, now, time_us, alerts);
    alerts_ = now;
    alerts_bytes_ = alerts_.SpaceUsedLong();
  }
  follow_tree(env, time_us, tree);
  if (!known_) {
    // The baseline: the tree as it is now is no change.
    tree.clear();
    for (auto& log : logs_) log.complete_from_us = time_us;
    known_ = true;
  }
  for (auto& e : alerts) add(kAlerts, std::move(e), max_entries);
  for (auto& e : tree) add(kTree, std::move(e), max_entries);
}

// The marks' bytes follow the entries a frame touches: a delta costs what
// it changes, not the whole tree.
void NodeLogs::follow_tree(const v1::Envelope& env, std::int64_t time_us, std::vector<v1::LogEntry>& out) {
  auto cost = [this](const std::string& id) -> std::uint64_t {
    auto it = marks_.find(id);
    return it == marks_.end() ? 0 : protocol::mark_bytes(it->first, it->second);
  };
  if (env.has_keyframe()) {
    protocol::diff_tree(marks_, env, time_us, out);
    marks_bytes_ = 0;
    for (const auto& [id, m] : marks_) marks_bytes_ += protocol::mark_bytes(id, m);
    return;
  }
  std::uint64_t before = 0, after = 0;
  for (const auto& n : env.delta().tree_upserted()) before += cost(n.id());
  for (const auto& id : env.delta().tree_removed()) before += cost(id);
  protocol::diff_tree(marks_, env, time_us, out);
  for (const auto& n : env.delta().tree_upserted()) after += cost(n.id());
  marks_bytes_ += after - before;  // modular: a shrink comes out right
}

void NodeLogs::add(Which w, v1::LogEntry e, std::size_t max_entries) {
  auto& entries = logs_[w].entries;
  // Usually the newest; a restart's or an alert's own time may be earlier.
  auto at = std::upper_bound(entries.begin(), entries.end(), e.time_us(),
                             [](std::int64_t t, const v1::LogEntry& x) { return t < time_of(x); });
  entry_bytes_ += entry_bytes(e);
  entries.insert(at, std::move(e));
  while (entries.size() > max_entries) {
    pop(w);
    ++dropped_[w];
  }
}

void NodeLogs::pop(Which w) {
  auto& log = logs_[w];
  if (log.entries.empty()) return;
  entry_bytes_ -= std::min(entry_bytes_, entry_bytes(log.entries.front()));
  log.complete_from_us = std::max(log.complete_from_us, time_of(log.entries.front()));
  log.entries.pop_front();
}

std::int64_t NodeLogs::front_us(Which w) const {
  const auto& entries = logs_[w].entries;
  return entries.empty() ? std::numeric_limits<std::int64_t>::max() : time_of(entries.front());
}

void NodeLogs::expire(std::int64_t before_us) {
  for (std::size_t w = 0; w < kLogs; ++w)
    while (front_us(static_cast<Which>(w)) < before_us) pop(static_cast<Which>(w));
}

std::array<std::uint64_t, NodeLogs::kLogs> NodeLogs::take_dropped() {
  auto out = dropped_;
  dropped_ = {};
  return out;
}

void NodeLogs::answer(const v1::HistoryRequest& request, v1::HistoryAnswer& out) const {
  const Log& log = logs_[request.log() == v1::HistoryRequest::ALERTS ? kAlerts : kTree];
  out.set_oldest_us(log.complete_from_us);
  const std::int64_t to = request.to_us() == 0 ? std::numeric_limits<std::int64_t>::max() : request.to_us();
  if (request.from_us() > to) return;
  auto first = std::lower_bound(log.entries.begin(), log.entries.end(), request.from_us(),
                                [](const v1::LogEntry& x, std::int64_t t) { return time_of(x) < t; });
  auto last = std::upper_bound(first, log.entries.end(), to,
                               [](std::int64_t t, const v1::LogEntry& x) { return t < time_of(x); });
  // The newest when too many: like a tail, the recent past matters most,
  // and the reader narrows the range (to_us) for older ones.
  const auto n = static_cast<std::size_t>(last - first);
  if (n > protocol::limits::kMaxLogEntries) {
    out.set_entries_omitted(static_cast<std::uint32_t>(n - protocol::limits::kMaxLogEntries));
    first = last - static_cast<std::ptrdiff_t>(protocol::limits::kMaxLogEntries);
  }
  for (auto e = first; e != last; ++e) *out.add_entries() = *e;
}

}  // namespace beamscope::collector
