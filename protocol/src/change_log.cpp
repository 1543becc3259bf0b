// Alert and tree changes as log entries; see change_log.hpp.
#include "beamscope/protocol/change_log.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

#include "beamscope/protocol/alerts.hpp"
#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/supervision.hpp"

namespace beamscope::protocol {

namespace {

// Within the bound, cut on a character: protobuf refuses a string that is
// not UTF-8.
std::string bounded(std::string s) {
  if (s.size() <= limits::kMaxString) return s;
  std::size_t n = limits::kMaxString;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s;
}

std::string shown_pid(const std::string& pid) { return pid.empty() ? "none" : pid; }

void add_alert(const v1::Alert& a, const char* kind, std::int64_t time_us, std::vector<v1::LogEntry>& out) {
  auto& e = out.emplace_back();
  e.set_time_us(time_us);
  e.set_kind(kind);
  e.set_subject(a.subject());
  e.set_name(a.name());
  e.set_summary(a.summary());
  e.set_alert(std::string(alert_kind_name(a.kind())));
  e.set_severity(std::string(alert_severity_name(a.severity())));
  e.set_pid(a.pid());
}

using AlertKey = std::pair<int, std::string_view>;

// Each active alert's severity, by (kind, subject).
std::map<AlertKey, int> severities(const v1::Alerts& alerts) {
  std::map<AlertKey, int> out;
  for (const auto& a : alerts.active()) out.emplace(AlertKey{a.kind(), a.subject()}, a.severity());
  return out;
}

v1::LogEntry& add_tree(const std::string& id, const v1::TreeNode* n, const TreeMark* was, const char* kind,
                       std::int64_t time_us, std::vector<v1::LogEntry>& out) {
  auto& e = out.emplace_back();
  e.set_time_us(time_us);
  e.set_kind(kind);
  e.set_subject(id);
  e.set_name(n ? n->name() : was->name);
  e.set_pid(n ? n->pid() : was->pid);
  return e;
}

const char* kind_word(v1::TreeNode::Kind k) {
  switch (k) {
    case v1::TreeNode::APPLICATION: return "application";
    case v1::TreeNode::SUPERVISOR: return "supervisor";
    case v1::TreeNode::WORKER: return "worker";
    case v1::TreeNode::HELPER: return "helper";
    default: return "entry";
  }
}

TreeMark mark_of(const v1::TreeNode& n, const TreeMark* was) {
  TreeMark m{n.name(), n.pid(), restarts_as_child(n), was ? was->last_restart_us : 0, n.children_total() > 0};
  for (const auto& r : n.recent_restarts()) m.last_restart_us = std::max(m.last_restart_us, r.time_us());
  return m;
}

// One entry of the new state against what was remembered of it; `marks`
// takes its new mark. Children of a supervisor that sends only a page of
// them are not followed: leaving the page is no removal.
void diff_entry(TreeMarks& marks, const v1::TreeNode& n, std::int64_t time_us, std::vector<v1::LogEntry>& out) {
  auto parent = marks.find(n.parent_id());
  if (!n.parent_id().empty() && parent != marks.end() && parent->second.pages_children) {
    marks.erase(n.id());
    return;
  }
  auto it = marks.find(n.id());
  const TreeMark* was = it != marks.end() ? &it->second : nullptr;
  TreeMark now = mark_of(n, was);
  if (!was) {
    add_tree(n.id(), &n, nullptr, "added", time_us, out)
        .set_summary(bounded(std::string(kind_word(n.kind())) + " " + n.name() + " started (pid " + shown_pid(n.pid()) + ")"));
  } else if (now.restarts > was->restarts) {
    // The newest restart's own time and reason, when the agent sent it.
    const v1::RestartEvent* last = nullptr;
    for (const auto& r : n.recent_restarts())
      if (r.time_us() > was->last_restart_us && (!last || r.time_us() >= last->time_us())) last = &r;
    const std::int64_t when = last && last->time_us() <= time_us ? last->time_us() : time_us;
    const std::uint64_t times = now.restarts - was->restarts;
    add_tree(n.id(), &n, nullptr, "restarted", when, out)
        .set_summary(bounded("restarted " + std::to_string(times) + (times == 1 ? " time" : " times") + " (total " +
                             std::to_string(now.restarts) + "), pid " + shown_pid(was->pid) + " -> " +
                             shown_pid(n.pid()) + (last ? ": " + last->reason() : "")));
  } else if (now.pid != was->pid) {
    add_tree(n.id(), &n, nullptr, "changed", time_us, out)
        .set_summary(bounded("pid " + shown_pid(was->pid) + " -> " + shown_pid(n.pid())));
  }
  marks.insert_or_assign(n.id(), std::move(now));
}

void removed(const std::string& id, const TreeMark& was, std::int64_t time_us, std::vector<v1::LogEntry>& out) {
  add_tree(id, nullptr, &was, "removed", time_us, out)
      .set_summary(bounded(was.name + " gone (was pid " + shown_pid(was.pid) + ")"));
}

}  // namespace

std::size_t mark_bytes(const std::string& id, const TreeMark& m) {
  // A map node: its links and colour (~32 bytes), key and value, each
  // string's heap part when past the small-string buffer.
  auto heap = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
  return 32 + sizeof(std::string) + sizeof(TreeMark) + heap(id) + heap(m.name) + heap(m.pid);
}

void diff_alerts(const v1::Alerts& before, const v1::Alerts& after, std::int64_t time_us,
                 std::vector<v1::LogEntry>& out) {
  const auto had = severities(before), has = severities(after);
  for (const auto& a : after.active()) {
    auto was = had.find({a.kind(), a.subject()});
    if (was == had.end()) {
      add_alert(a, "raised", a.since_us() > 0 && a.since_us() <= time_us ? a.since_us() : time_us, out);
    } else if (was->second != a.severity()) {
      // Still active, at another severity (CRITICAL is the higher value).
      add_alert(a, a.severity() > was->second ? "escalated" : "deescalated", time_us, out);
    }
  }
  for (const auto& a : before.active())
    if (!has.count({a.kind(), a.subject()})) add_alert(a, "cleared", time_us, out);
}

void diff_tree(TreeMarks& marks, const v1::Envelope& frame, std::int64_t time_us, std::vector<v1::LogEntry>& out) {
  if (frame.has_keyframe()) {
    // The whole tree: what is not in it any more was removed. Parents come
    // before children, so a child sees its parent's new mark.
    TreeMarks old = std::move(marks);
    marks.clear();
    for (const auto& n : frame.keyframe().tree()) {
      auto was = old.find(n.id());
      if (was != old.end()) marks.insert(old.extract(was));
      diff_entry(marks, n, time_us, out);
    }
    for (const auto& [id, was] : old) removed(id, was, time_us, out);
  } else if (frame.has_delta()) {
    for (const auto& n : frame.delta().tree_upserted()) diff_entry(marks, n, time_us, out);
    for (const auto& id : frame.delta().tree_removed()) {
      auto it = marks.find(id);
      if (it == marks.end()) continue;
      removed(id, it->second, time_us, out);
      marks.erase(it);
    }
  }
}

}  // namespace beamscope::protocol
