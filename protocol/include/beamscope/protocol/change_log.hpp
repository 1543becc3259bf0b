// What changed between two states of a node, as log entries: the alerts
// raised, escalated, deescalated and cleared, and the supervision-tree entries added, removed,
// restarted or changed. The one place these changes are named; the
// collector keeps the entries (its alert and tree change logs, since 1.5).
//
//   std::vector<v1::LogEntry> log;
//   protocol::diff_alerts(before.alerts(), after.alerts(), env.timestamp_us(), log);
//   protocol::TreeMarks marks;                      // the previous tree, compact
//   protocol::diff_tree(marks, env, env.timestamp_us(), log);  // a keyframe or delta
//
// Kinds (LogEntry.kind): alerts "raised" | "escalated" (warning to
// critical while it stays active) | "deescalated" (critical to warning) |
// "cleared", each entry with the alert's severity then; tree "added" |
// "removed" | "restarted" (its restart count as a child grew) | "changed"
// (its pid changed without a counted restart: a node restart, a temporary
// child started again).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "beamscope.pb.h"

namespace beamscope::protocol {

/// What the tree change log remembers of an entry to tell its next change.
struct TreeMark {
  std::string name;
  std::string pid;
  std::uint64_t restarts = 0;         ///< restarts_as_child
  std::int64_t last_restart_us = 0;   ///< newest recent_restarts time seen
  bool pages_children = false;        ///< a supervisor sending a page of its children (children_total)
};
/// A node's tree by TreeNode.id, as diff_tree follows it.
using TreeMarks = std::map<std::string, TreeMark, std::less<>>;

/// Bytes a TreeMarks entry holds (for a memory estimate).
std::size_t mark_bytes(const std::string& id, const TreeMark& m);

/// The alerts of `after` not in `before` ("raised", at the alert's since_us
/// when known and not after `time_us`) or in both at another severity
/// ("escalated" to critical, "deescalated" to warning, at `time_us`), in
/// the order of `after`, then those of `before` not in `after` ("cleared",
/// at `time_us`), appended to `out`. An alert is (kind, subject).
void diff_alerts(const v1::Alerts& before, const v1::Alerts& after, std::int64_t time_us,
                 std::vector<v1::LogEntry>& out);

/// The tree changes a keyframe (a whole tree against `marks`) or a delta
/// (its upserted and removed entries) brings, appended to `out`; `marks`
/// then follows the new state. Other frames change nothing.
void diff_tree(TreeMarks& marks, const v1::Envelope& frame, std::int64_t time_us, std::vector<v1::LogEntry>& out);

}  // namespace beamscope::protocol
