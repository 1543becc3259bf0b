// One node's alert log and supervision-tree change log, as the collector's
// HistoryStore keeps them (since 1.5): each applied frame is compared with
// the node's previous state (protocol/change_log.hpp names the changes).
// The first keyframe is the baseline: its tree logs nothing, its active
// alerts are logged raised at their since_us. Not thread-safe: the
// HistoryStore's lock guards it.
//   NodeLogs logs;
//   logs.follow(env, 4096);                       // every applied keyframe/delta
//   logs.answer(request, answer);                 // a HistoryRequest with a log
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "beamscope.pb.h"
#include "beamscope/protocol/change_log.hpp"

namespace beamscope::collector {

class NodeLogs {
 public:
  enum Which : std::uint8_t { kAlerts, kTree };
  static constexpr std::size_t kLogs = 2;

  /// Logs what an applied keyframe or delta changed, at env.timestamp_us;
  /// each log keeps at most `max_entries`, the oldest pushed out (counted
  /// in dropped()). Before the first keyframe nothing is followed.
  void follow(const v1::Envelope& env, std::size_t max_entries);

  /// Bytes held: entries, the previous alerts and the tree's marks.
  std::uint64_t bytes() const { return entry_bytes_ + alerts_bytes_ + marks_bytes_; }
  bool has_entries() const { return !logs_[kAlerts].entries.empty() || !logs_[kTree].entries.empty(); }
  std::size_t size(Which w) const { return logs_[w].entries.size(); }
  /// Time of a log's oldest entry, INT64_MAX when empty.
  std::int64_t front_us(Which w) const;
  /// Pushes out a log's oldest entry (the memory limit).
  void pop_front(Which w) { pop(w); }
  /// Entries older than `before_us` leave both logs (their age, not counted).
  void expire(std::int64_t before_us);
  /// Entries pushed out by max_entries since the last call, per log.
  std::array<std::uint64_t, kLogs> take_dropped();

  /// The entries of the requested log within [from_us, to_us] (to_us 0:
  /// open), oldest first; past limits::kMaxLogEntries the newest, the
  /// rest counted in entries_omitted. oldest_us: since when the log is
  /// complete.
  void answer(const v1::HistoryRequest& request, v1::HistoryAnswer& out) const;

 private:
  struct Log {
    std::deque<v1::LogEntry> entries;  // time order
    std::int64_t complete_from_us = 0;  // the baseline, or the newest entry pushed out
  };
  void add(Which w, v1::LogEntry e, std::size_t max_entries);
  void pop(Which w);
  void follow_tree(const v1::Envelope& env, std::int64_t time_us, std::vector<v1::LogEntry>& out);

  std::array<Log, kLogs> logs_;
  std::array<std::uint64_t, kLogs> dropped_{};
  bool known_ = false;  // a keyframe seen: the baseline
  v1::Alerts alerts_;   // the previous state's
  protocol::TreeMarks marks_;
  std::uint64_t entry_bytes_ = 0, alerts_bytes_ = 0, marks_bytes_ = 0;
};

}  // namespace beamscope::collector
