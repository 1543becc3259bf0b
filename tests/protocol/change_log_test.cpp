// change_log: alerts raised, cleared and changing severity between two states, tree entries
// added, removed, restarted and changed across keyframes and deltas, the
// children of a paged supervisor not followed, and the framing bound.
#include "beamscope/protocol/change_log.hpp"

#include <gtest/gtest.h>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/version.hpp"

namespace beamscope::protocol {
namespace {

constexpr std::int64_t kT = 1'800'000'000'000'000;

v1::Alert alert(v1::Alert::Kind kind, const std::string& subject, std::int64_t since_us = 0) {
  v1::Alert a;
  a.set_kind(kind);
  a.set_subject(subject);
  a.set_name("worker");
  a.set_pid(subject);
  a.set_summary("mailbox of " + subject);
  a.set_severity(v1::Alert::CRITICAL);
  a.set_since_us(since_us);
  return a;
}

v1::TreeNode entry(const std::string& id, const std::string& parent, const std::string& pid,
                   std::uint64_t restarts = 0) {
  v1::TreeNode n;
  n.set_id(id);
  n.set_parent_id(parent);
  n.set_kind(parent.empty() ? v1::TreeNode::APPLICATION : v1::TreeNode::WORKER);
  n.set_name(id.substr(id.rfind('/') + 1));
  n.set_pid(pid);
  n.set_restarts_total(restarts);
  return n;
}

TEST(ChangeLog, AlertsRaisedAndClearedByKindAndSubject) {
  v1::Alerts before, after;
  *before.add_active() = alert(v1::Alert::MAILBOX_LONG, "<0.1.0>");
  *before.add_active() = alert(v1::Alert::MAILBOX_GROWING, "<0.2.0>");
  *after.add_active() = alert(v1::Alert::MAILBOX_LONG, "<0.1.0>");                   // still active
  *after.add_active() = alert(v1::Alert::MAILBOX_LONG, "<0.2.0>", kT - 5'000'000);   // same subject, other kind
  *after.add_active() = alert(v1::Alert::PROCESS_LIMIT, "", kT + 9'000'000);         // since_us in the future
  std::vector<v1::LogEntry> log;
  diff_alerts(before, after, kT, log);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].kind(), "raised");
  EXPECT_EQ(log[0].alert(), "mailbox_long");
  EXPECT_EQ(log[0].subject(), "<0.2.0>");
  EXPECT_EQ(log[0].time_us(), kT - 5'000'000);  // when the agent raised it
  EXPECT_EQ(log[0].severity(), "critical");
  EXPECT_EQ(log[0].summary(), "mailbox of <0.2.0>");
  EXPECT_EQ(log[1].alert(), "process_limit");
  EXPECT_EQ(log[1].time_us(), kT);  // not after the state it was seen in
  EXPECT_EQ(log[2].kind(), "cleared");
  EXPECT_EQ(log[2].alert(), "mailbox_growing");
  EXPECT_EQ(log[2].time_us(), kT);
  log.clear();
  diff_alerts(after, after, kT, log);
  EXPECT_TRUE(log.empty());
}

// A severity change of an alert that stays active is logged, with the
// new severity: escalated (warning to critical), deescalated (back).
TEST(ChangeLog, AlertSeverityChangesWhileActive) {
  v1::Alerts warning, critical, other;
  *warning.add_active() = alert(v1::Alert::MAILBOX_LONG, "<0.1.0>", kT - 5'000'000);
  warning.mutable_active(0)->set_severity(v1::Alert::WARNING);
  *warning.add_active() = alert(v1::Alert::RESTART_STORM, "app/sup");  // critical throughout
  critical = warning;
  critical.mutable_active(0)->set_severity(v1::Alert::CRITICAL);
  critical.mutable_active(0)->set_summary("mailbox of <0.1.0>, now critical");

  std::vector<v1::LogEntry> log;
  diff_alerts(warning, critical, kT, log);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].kind(), "escalated");
  EXPECT_EQ(log[0].alert(), "mailbox_long");
  EXPECT_EQ(log[0].subject(), "<0.1.0>");
  EXPECT_EQ(log[0].severity(), "critical");
  EXPECT_EQ(log[0].summary(), "mailbox of <0.1.0>, now critical");
  EXPECT_EQ(log[0].time_us(), kT);  // when it changed, not when it was raised

  log.clear();
  diff_alerts(critical, warning, kT + 1, log);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].kind(), "deescalated");
  EXPECT_EQ(log[0].severity(), "warning");
  EXPECT_EQ(log[0].time_us(), kT + 1);

  // Raised, escalated and cleared in one step: raised and severity changes
  // in the order of the new state, then the cleared.
  other = critical;
  other.mutable_active()->DeleteSubrange(1, 1);  // the storm is over
  *other.add_active() = alert(v1::Alert::LONG_GC, "<0.9.0>");
  log.clear();
  diff_alerts(warning, other, kT + 2, log);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].kind(), "escalated");
  EXPECT_EQ(log[1].kind(), "raised");
  EXPECT_EQ(log[1].alert(), "long_gc");
  EXPECT_EQ(log[2].kind(), "cleared");
  EXPECT_EQ(log[2].alert(), "restart_storm");

  log.clear();
  diff_alerts(critical, critical, kT + 3, log);
  EXPECT_TRUE(log.empty());
}

TEST(ChangeLog, TreeAcrossKeyframesAndDeltas) {
  v1::Envelope key;
  auto* kf = key.mutable_keyframe();
  *kf->add_tree() = entry("demo", "", "<0.50.0>");
  *kf->add_tree() = entry("demo/a", "demo", "<0.60.0>");
  *kf->add_tree() = entry("demo/b", "demo", "<0.61.0>");
  TreeMarks marks;
  std::vector<v1::LogEntry> log;
  diff_tree(marks, key, kT, log);
  EXPECT_EQ(log.size(), 3u);  // from nothing: all added
  EXPECT_EQ(log[1].kind(), "added");
  EXPECT_EQ(log[1].subject(), "demo/a");
  EXPECT_EQ(log[1].name(), "a");
  EXPECT_EQ(log[1].summary(), "worker a started (pid <0.60.0>)");
  ASSERT_EQ(marks.size(), 3u);

  // A delta: a restarts (with the agent's restart event), b goes, c comes.
  log.clear();
  v1::Envelope d;
  auto* a = d.mutable_delta()->add_tree_upserted();
  *a = entry("demo/a", "demo", "<0.70.0>", 1);
  auto* r = a->add_recent_restarts();
  r->set_time_us(kT + 500'000);
  r->set_reason("killed");
  *d.mutable_delta()->add_tree_upserted() = entry("demo/c", "demo", "<0.71.0>");
  d.mutable_delta()->add_tree_removed("demo/b");
  d.mutable_delta()->add_tree_removed("demo/never");
  diff_tree(marks, d, kT + 1'000'000, log);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].kind(), "restarted");
  EXPECT_EQ(log[0].time_us(), kT + 500'000);
  EXPECT_EQ(log[0].pid(), "<0.70.0>");
  EXPECT_EQ(log[0].summary(), "restarted 1 time (total 1), pid <0.60.0> -> <0.70.0>: killed");
  EXPECT_EQ(log[1].kind(), "added");
  EXPECT_EQ(log[1].subject(), "demo/c");
  EXPECT_EQ(log[2].kind(), "removed");
  EXPECT_EQ(log[2].subject(), "demo/b");
  EXPECT_EQ(log[2].pid(), "<0.61.0>");
  EXPECT_EQ(log[2].time_us(), kT + 1'000'000);

  // The same state again (a periodic keyframe): nothing. Then a keyframe
  // of a restarted node: a's pid changed, its count went back, c is gone.
  log.clear();
  v1::Envelope again;
  *again.mutable_keyframe()->add_tree() = entry("demo", "", "<0.50.0>");
  *again.mutable_keyframe()->add_tree() = *a;
  *again.mutable_keyframe()->add_tree() = entry("demo/c", "demo", "<0.71.0>");
  diff_tree(marks, again, kT + 2'000'000, log);
  EXPECT_TRUE(log.empty());
  v1::Envelope fresh;
  *fresh.mutable_keyframe()->add_tree() = entry("demo", "", "<0.50.0>");
  *fresh.mutable_keyframe()->add_tree() = entry("demo/a", "demo", "<0.80.0>");
  diff_tree(marks, fresh, kT + 3'000'000, log);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].kind(), "changed");
  EXPECT_EQ(log[0].summary(), "pid <0.70.0> -> <0.80.0>");
  EXPECT_EQ(log[1].kind(), "removed");
  EXPECT_EQ(log[1].subject(), "demo/c");
}

TEST(ChangeLog, ChildrenOfAPagedSupervisorAreNotFollowed) {
  v1::Envelope key;
  auto* sup = key.mutable_keyframe()->add_tree();
  *sup = entry("demo/pool", "", "<0.9.0>");
  sup->set_kind(v1::TreeNode::SUPERVISOR);
  sup->set_children_total(50000);
  *key.mutable_keyframe()->add_tree() = entry("demo/pool/<0.10.0>", "demo/pool", "<0.10.0>");
  TreeMarks marks;
  std::vector<v1::LogEntry> log;
  diff_tree(marks, key, kT, log);
  EXPECT_EQ(log.size(), 1u);  // the supervisor only
  EXPECT_EQ(marks.count("demo/pool/<0.10.0>"), 0u);
  v1::Envelope d;
  d.mutable_delta()->add_tree_removed("demo/pool/<0.10.0>");  // left the page
  log.clear();
  diff_tree(marks, d, kT + 1, log);
  EXPECT_TRUE(log.empty());
}

TEST(ChangeLog, LongReasonsAreCutOnACharacter) {
  TreeMarks marks;
  std::vector<v1::LogEntry> log;
  v1::Envelope key;
  *key.mutable_keyframe()->add_tree() = entry("demo/a", "", "<0.1.0>");
  diff_tree(marks, key, kT, log);
  v1::Envelope d;
  auto* a = d.mutable_delta()->add_tree_upserted();
  *a = entry("demo/a", "", "<0.2.0>", 3);
  std::string reason;
  for (int i = 0; i < 300; ++i) reason += "\xc3\xa9";  // the summary's bound falls inside a character
  a->add_recent_restarts()->set_reason(reason);
  a->mutable_recent_restarts(0)->set_time_us(kT + 1);
  log.clear();
  diff_tree(marks, d, kT + 2, log);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_LE(log[0].summary().size(), limits::kMaxString);
  EXPECT_EQ(log[0].summary().substr(log[0].summary().size() - 2), "\xc3\xa9");
  v1::Envelope env;
  env.set_version_major(kVersionMajor);
  env.set_node("n@h");
  *env.mutable_history_answer()->add_entries() = log[0];
  const auto r = decode(encode(env));
  EXPECT_NE(std::get_if<Envelope>(&r), nullptr) << "a cut summary stays UTF-8 and within the bounds";
}

TEST(ChangeLog, AnAnswerPastTheEntryBoundIsRejected) {
  v1::Envelope env;
  for (std::size_t i = 0; i <= limits::kMaxLogEntries; ++i) env.mutable_history_answer()->add_entries()->set_kind("raised");
  EXPECT_FALSE(within_bounds(env));
  env.mutable_history_answer()->mutable_entries()->RemoveLast();
  EXPECT_TRUE(within_bounds(env));
  env.mutable_history_answer()->mutable_entries(0)->set_summary(std::string(limits::kMaxString + 1, 'x'));
  EXPECT_FALSE(within_bounds(env));
}

}  // namespace
}  // namespace beamscope::protocol
