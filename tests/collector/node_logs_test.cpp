// The HistoryStore's alert and tree change logs: alerts raised then
// cleared and tree entries added, removed and restarted across a node's
// states, queried over ranges; the per-node bound and the answer's bound
// (the newest kept); the memory limit (entries dropped, counted) and the
// bytes back to nothing when everything ages out.
#include <gtest/gtest.h>

#include "beamscope/collector/history_store.hpp"
#include "beamscope/protocol/limits.hpp"
#include "stream_fixtures.hpp"

namespace beamscope::collector {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000'000'000;
constexpr std::int64_t kSecond = 1'000'000;
const std::string kNode = "n@h";

// A state of the node at T0 + s seconds, with its gauges (a tick).
v1::Envelope state(int s, bool key) {
  auto env = testing::envelope(kNode, static_cast<std::uint64_t>(s) + 1);
  const std::int64_t t = kT0 + s * kSecond;
  env.set_timestamp_us(t);
  auto* g = key ? env.mutable_keyframe()->mutable_gauges() : env.mutable_delta()->mutable_gauges();
  g->set_uptime_ms(10'000 + static_cast<std::uint64_t>(s) * 1000);
  g->set_process_count(100);
  if (key) env.mutable_keyframe()->set_sampled_at_us(t);
  return env;
}

v1::Alert mailbox_alert(const std::string& pid, int since_s) {
  v1::Alert a;
  a.set_kind(v1::Alert::MAILBOX_GROWING);
  a.set_subject(pid);
  a.set_pid(pid);
  a.set_name("sink");
  a.set_summary("mailbox of sink growing");
  a.set_since_us(kT0 + since_s * kSecond);
  return a;
}

v1::TreeNode tree_entry(const std::string& id, const std::string& pid, std::uint64_t restarts = 0) {
  v1::TreeNode n;
  n.set_id(id);
  n.set_parent_id(id == "demo" ? "" : "demo");
  n.set_kind(id == "demo" ? v1::TreeNode::APPLICATION : v1::TreeNode::WORKER);
  n.set_name(id);
  n.set_pid(pid);
  n.set_restarts_total(restarts);
  return n;
}

v1::HistoryAnswer ask(const HistoryStore& store, v1::HistoryRequest::Log log, std::int64_t from_us = 0,
                      std::int64_t to_us = 0, const std::string& node = kNode) {
  v1::HistoryRequest r;
  r.set_request_id(9);
  r.set_log(log);
  r.set_from_us(from_us);
  r.set_to_us(to_us);
  return store.answer(node, r);
}

std::uint64_t dropped(const HistoryStore& store, HistoryDrop kind) {
  return store.stats().dropped[static_cast<std::size_t>(kind)];
}

// Raised at s, cleared at s + 1 (a delta without alerts changes nothing).
void raise_and_clear(HistoryStore& store, int s, const std::string& pid) {
  auto up = state(s, false);
  *up.mutable_delta()->mutable_alerts()->add_active() = mailbox_alert(pid, s);
  store.record(kNode, up);
  store.record(kNode, state(s, false));  // no alerts field: still active
  auto down = state(s + 1, false);
  down.mutable_delta()->mutable_alerts();  // present and empty: cleared
  store.record(kNode, down);
}

TEST(NodeLogs, AlertsRaisedAndClearedOverARange) {
  HistoryStore store;
  // A delta before any keyframe is no baseline: not followed.
  auto early = state(0, false);
  *early.mutable_delta()->mutable_alerts()->add_active() = mailbox_alert("<0.9.0>", 0);
  store.record(kNode, early);
  EXPECT_EQ(store.stats().alerts, 0u);

  store.record(kNode, state(1, true));
  raise_and_clear(store, 10, "<0.1.0>");
  raise_and_clear(store, 20, "<0.2.0>");
  EXPECT_EQ(store.stats().alerts, 4u);

  const auto all = ask(store, v1::HistoryRequest::ALERTS);
  ASSERT_TRUE(all.error().empty()) << all.error();
  EXPECT_EQ(all.request_id(), 9u);
  EXPECT_EQ(all.log(), v1::HistoryRequest::ALERTS);
  EXPECT_EQ(all.oldest_us(), kT0 + kSecond);  // complete from the baseline
  ASSERT_EQ(all.entries_size(), 4);
  EXPECT_EQ(all.entries(0).kind(), "raised");
  EXPECT_EQ(all.entries(0).time_us(), kT0 + 10 * kSecond);
  EXPECT_EQ(all.entries(0).alert(), "mailbox_growing");
  EXPECT_EQ(all.entries(0).subject(), "<0.1.0>");
  EXPECT_EQ(all.entries(0).name(), "sink");
  EXPECT_EQ(all.entries(1).kind(), "cleared");
  EXPECT_EQ(all.entries(1).time_us(), kT0 + 11 * kSecond);
  EXPECT_EQ(all.entries(3).subject(), "<0.2.0>");

  // [from, to] inclusive at both ends.
  const auto mid = ask(store, v1::HistoryRequest::ALERTS, kT0 + 11 * kSecond, kT0 + 20 * kSecond);
  ASSERT_EQ(mid.entries_size(), 2);
  EXPECT_EQ(mid.entries(0).kind(), "cleared");
  EXPECT_EQ(mid.entries(1).kind(), "raised");
  EXPECT_EQ(ask(store, v1::HistoryRequest::ALERTS, kT0 + 30 * kSecond).entries_size(), 0);
  EXPECT_EQ(ask(store, v1::HistoryRequest::ALERTS, kT0 + 20 * kSecond, kT0 + 10 * kSecond).entries_size(), 0);
  EXPECT_EQ(ask(store, v1::HistoryRequest::TREE_CHANGES).entries_size(), 0);

  EXPECT_EQ(ask(store, v1::HistoryRequest::ALERTS, 0, 0, "x@h").error(), "this collector keeps no history of node x@h");
  EXPECT_EQ(ask(store, static_cast<v1::HistoryRequest::Log>(7)).error(), "unknown log 7; known: alerts, tree changes");
}

TEST(NodeLogs, AlertsActiveAtTheBaselineAreLoggedAtTheirOwnTime) {
  HistoryStore store;
  auto key = state(30, true);
  *key.mutable_keyframe()->mutable_alerts()->add_active() = mailbox_alert("<0.1.0>", 12);
  store.record(kNode, key);
  const auto a = ask(store, v1::HistoryRequest::ALERTS);
  ASSERT_EQ(a.entries_size(), 1);
  EXPECT_EQ(a.entries(0).time_us(), kT0 + 12 * kSecond);
  // A periodic keyframe repeating the state logs nothing more.
  key = state(31, true);
  *key.mutable_keyframe()->mutable_alerts()->add_active() = mailbox_alert("<0.1.0>", 12);
  store.record(kNode, key);
  EXPECT_EQ(store.stats().alerts, 1u);
}

TEST(NodeLogs, TreeEntriesAddedRemovedRestarted) {
  HistoryStore store;
  auto key = state(0, true);
  for (const char* id : {"demo", "a", "b"}) *key.mutable_keyframe()->add_tree() = tree_entry(id, "<0.1.0>");
  store.record(kNode, key);
  EXPECT_EQ(store.stats().tree_changes, 0u);  // the baseline

  auto d = state(5, false);
  *d.mutable_delta()->add_tree_upserted() = tree_entry("a", "<0.7.0>", 1);
  *d.mutable_delta()->add_tree_upserted() = tree_entry("c", "<0.8.0>");
  d.mutable_delta()->add_tree_removed("b");
  store.record(kNode, d);
  // A later keyframe: c is gone, a restarted twice more.
  key = state(9, true);
  *key.mutable_keyframe()->add_tree() = tree_entry("demo", "<0.1.0>");
  *key.mutable_keyframe()->add_tree() = tree_entry("a", "<0.9.0>", 3);
  store.record(kNode, key);

  const auto t = ask(store, v1::HistoryRequest::TREE_CHANGES);
  ASSERT_TRUE(t.error().empty());
  EXPECT_EQ(t.log(), v1::HistoryRequest::TREE_CHANGES);
  ASSERT_EQ(t.entries_size(), 5);
  const char* kinds[] = {"restarted", "added", "removed", "restarted", "removed"};
  const char* subjects[] = {"a", "c", "b", "a", "c"};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(t.entries(i).kind(), kinds[i]) << i;
    EXPECT_EQ(t.entries(i).subject(), subjects[i]) << i;
  }
  EXPECT_EQ(t.entries(0).time_us(), kT0 + 5 * kSecond);
  EXPECT_EQ(t.entries(3).summary(), "restarted 2 times (total 3), pid <0.7.0> -> <0.9.0>");
  EXPECT_EQ(ask(store, v1::HistoryRequest::TREE_CHANGES, kT0 + 6 * kSecond).entries_size(), 2);
  EXPECT_EQ(ask(store, v1::HistoryRequest::ALERTS).entries_size(), 0);
}

TEST(NodeLogs, PerNodeBoundPushesTheOldestOut) {
  HistoryStore store({.max_log_entries = 3});
  store.record(kNode, state(0, true));
  for (int i = 0; i < 3; ++i) raise_and_clear(store, 10 * (i + 1), "<0.1.0>");
  EXPECT_EQ(store.stats().alerts, 3u);
  EXPECT_EQ(dropped(store, HistoryDrop::kAlerts), 3u);
  EXPECT_EQ(dropped(store, HistoryDrop::kTreeChanges), 0u);
  const auto a = ask(store, v1::HistoryRequest::ALERTS);
  ASSERT_EQ(a.entries_size(), 3);
  EXPECT_EQ(a.entries(0).kind(), "cleared");
  EXPECT_EQ(a.entries(0).time_us(), kT0 + 21 * kSecond);
  EXPECT_EQ(a.oldest_us(), kT0 + 20 * kSecond);  // complete after the newest pushed out
}

TEST(NodeLogs, AnAnswerHoldsTheNewestWithinTheProtocolBound) {
  HistoryStore store({.max_log_entries = 5000});
  store.record(kNode, state(0, true));
  const int n = 800;  // 1600 entries
  for (int i = 0; i < n; ++i) raise_and_clear(store, 2 * i + 1, "<0.1.0>");
  const auto a = ask(store, v1::HistoryRequest::ALERTS);
  ASSERT_EQ(static_cast<std::size_t>(a.entries_size()), protocol::limits::kMaxLogEntries);
  EXPECT_EQ(a.entries_omitted(), 2 * n - protocol::limits::kMaxLogEntries);
  EXPECT_EQ(a.entries(a.entries_size() - 1).time_us(), kT0 + (2 * n) * kSecond);  // the newest
}

TEST(NodeLogs, CountedInTheMemoryLimitAndGoneWithTheDay) {
  HistoryStore probe;
  probe.record(kNode, state(0, true));
  const std::uint64_t base = probe.stats().bytes;
  raise_and_clear(probe, 1, "<0.1.0>");
  const std::uint64_t two = probe.stats().bytes - base;
  EXPECT_GT(two, 2 * sizeof(v1::LogEntry));  // the entries (and ticks) are counted

  // A limit of the baseline and ~20 entries: the oldest entries (and the
  // oldest ticks) go, counted; the store stays within it.
  const std::uint64_t limit = base + 10 * two;
  HistoryStore store({.memory_limit = limit});
  store.record(kNode, state(0, true));
  for (int i = 0; i < 100; ++i) {
    raise_and_clear(store, 2 * i + 1, "<0.1.0>");
    ASSERT_LE(store.stats().bytes, limit) << i;
  }
  EXPECT_GT(dropped(store, HistoryDrop::kAlerts), 0u);
  const auto a = ask(store, v1::HistoryRequest::ALERTS);
  ASSERT_GT(a.entries_size(), 0);
  EXPECT_EQ(a.entries(a.entries_size() - 1).time_us(), kT0 + 200 * kSecond);
  EXPECT_GE(a.oldest_us(), kT0 + 100 * kSecond);

  // A tree held in the marks costs memory too; a day later nothing is left.
  auto key = state(300, true);
  for (int i = 0; i < 200; ++i)
    *key.mutable_keyframe()->add_tree() = tree_entry("worker_with_a_long_name_" + std::to_string(i), "<0.1.0>");
  HistoryStore tree_store;
  tree_store.record(kNode, state(299, true));
  const std::uint64_t before = tree_store.stats().bytes;
  tree_store.record(kNode, key);
  EXPECT_GT(tree_store.stats().bytes, before + 200 * 40);
  auto d = state(301, false);
  d.mutable_delta()->add_tree_removed("worker_with_a_long_name_0");
  tree_store.record(kNode, d);
  EXPECT_EQ(tree_store.stats().tree_changes, 201u);  // added after the empty baseline, one removed
  tree_store.expire(kT0 + 3 * 86400 * kSecond);
  EXPECT_EQ(tree_store.stats().nodes, 0u);
  EXPECT_EQ(tree_store.stats().bytes, 0u);
}

}  // namespace
}  // namespace beamscope::collector
