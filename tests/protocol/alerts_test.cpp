// The alert rules on synthetic node states, and the alerts' trip through
// the stream (make_delta, NodeModel, framing bounds).
#include <gtest/gtest.h>

#include <chrono>

#include "beamscope/protocol/alerts.hpp"
#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/node_model.hpp"
#include "beamscope/protocol/version.hpp"
#include "test_frames.hpp"

namespace beamscope::protocol {
namespace {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kStart = 1'700'000'000 * kSecond;

v1::ProcessSample growing(const std::string& pid, std::uint64_t len, double growth, double to_alarm) {
  auto p = beamscope::testing::sample(pid, len);
  p.set_registered_name("sink");
  p.set_mailbox_growth_per_s(growth);
  p.set_seconds_to_threshold(to_alarm);
  return p;
}

Keyframe at(std::int64_t t) {
  Keyframe kf;
  kf.set_sampled_at_us(t);
  return kf;
}

const Alert* find(const Alerts& a, Alert::Kind kind, const std::string& subject) {
  for (const auto& x : a.active())
    if (x.kind() == kind && x.subject() == subject) return &x;
  return nullptr;
}

TEST(AlertRules, MailboxGrowingRaisedAfterThreeSamplesWithTheAgentsFiguresAndClearedAfterThreeCalm) {
  AlertRules rules({.mailbox_alarm = 10000});
  std::int64_t t = kStart;
  std::uint64_t len = 0;
  for (int i = 1; i <= 2; ++i) {
    auto kf = at(t += kSecond);
    len += 500;
    *kf.add_processes() = growing("<0.9.0>", len, 500, (10000.0 - static_cast<double>(len)) / 500);
    EXPECT_EQ(find(rules.evaluate(kf), Alert::MAILBOX_GROWING, "<0.9.0>"), nullptr) << "sample " << i;
  }
  auto kf = at(t += kSecond);
  *kf.add_processes() = growing("<0.9.0>", len += 500, 500, 17.0);
  const Alerts a = rules.evaluate(kf);
  const Alert* g = find(a, Alert::MAILBOX_GROWING, "<0.9.0>");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->pid(), "<0.9.0>");
  EXPECT_EQ(g->name(), "sink");
  EXPECT_EQ(g->value(), 1500);
  EXPECT_EQ(g->limit(), 10000);
  EXPECT_EQ(g->rate_per_s(), 500);          // the sample's growth, not recomputed
  EXPECT_EQ(g->seconds_to_limit(), 17.0);   // the sample's seconds_to_threshold
  EXPECT_EQ(g->severity(), Alert::CRITICAL);  // under 60 s to the alarm
  EXPECT_EQ(g->since_us(), t);
  const std::int64_t raised = t;

  // Flat samples: still raised for two, cleared at the third.
  for (int i = 1; i <= 3; ++i) {
    auto calm = at(t += kSecond);
    *calm.add_processes() = growing("<0.9.0>", len, 0, 0);
    const Alerts c = rules.evaluate(calm);
    const Alert* x = find(c, Alert::MAILBOX_GROWING, "<0.9.0>");
    if (i < 3) {
      ASSERT_NE(x, nullptr) << "calm sample " << i;
      EXPECT_EQ(x->since_us(), raised);
      EXPECT_EQ(x->severity(), Alert::WARNING);  // not growing: no time to the alarm
    } else {
      EXPECT_EQ(x, nullptr);
    }
  }
}

TEST(AlertRules, SmallOrInterruptedGrowthRaisesNothing) {
  AlertRules rules;
  std::int64_t t = kStart;
  // Growing but under 100 messages; another process at 500 whose growth
  // breaks every third sample.
  for (std::uint64_t len : {10, 20, 30, 40}) {
    auto kf = at(t += kSecond);
    *kf.add_processes() = growing("<0.1.0>", len, 10, 900);
    EXPECT_EQ(rules.evaluate(kf).active_size(), 0);
  }
  for (int i = 0; i < 6; ++i) {
    auto kf = at(t += kSecond);
    *kf.add_processes() = growing("<0.5.0>", 500, i % 3 == 2 ? -5 : 5, 0);
    EXPECT_EQ(rules.evaluate(kf).active_size(), 0) << i;
  }
}

TEST(AlertRules, AProcessLeavingTheHotSetStartsOver) {
  AlertRules rules;
  std::int64_t t = kStart;
  for (int i = 0; i < 3; ++i) {
    auto kf = at(t += kSecond);
    *kf.add_processes() = growing("<0.2.0>", 1000 + 100 * i, 100, 90);
    rules.evaluate(kf);
  }
  rules.evaluate(at(t += kSecond));  // gone from the hot set
  auto kf = at(t += kSecond);
  *kf.add_processes() = growing("<0.2.0>", 2000, 100, 80);
  EXPECT_EQ(rules.evaluate(kf).active_size(), 0);
}

TEST(AlertRules, MailboxAtTheAlarmIsCritical) {
  AlertRules rules({.mailbox_alarm = 5000});
  auto kf = at(kStart);
  *kf.add_processes() = growing("<0.3.0>", 5000, 0, 0);
  *kf.add_processes() = growing("<0.4.0>", 4999, 0, 0);
  const Alerts a = rules.evaluate(kf);
  ASSERT_EQ(a.active_size(), 1);
  EXPECT_EQ(a.active(0).kind(), Alert::MAILBOX_LONG);
  EXPECT_EQ(a.active(0).subject(), "<0.3.0>");
  EXPECT_EQ(a.active(0).severity(), Alert::CRITICAL);
}

v1::TreeNode supervisor(const std::string& id, std::uint64_t restarts_total, std::uint32_t in_period,
                        std::uint32_t intensity) {
  v1::TreeNode n;
  n.set_id(id);
  n.set_name(id.substr(id.rfind('/') + 1));
  n.set_pid("<0.50.0>");
  n.set_kind(v1::TreeNode::SUPERVISOR);
  n.set_strategy("one_for_one");
  n.set_restarts_total(restarts_total);
  n.set_restarts_in_period(in_period);
  n.set_intensity(intensity);
  n.set_period_s(5);
  return n;
}

TEST(AlertRules, RestartStormNamesTheSupervisorAndClearsOnceTheWindowPasses) {
  AlertRules rules;
  std::int64_t t = kStart;
  std::uint64_t total = 3;  // restarts before the agent saw it are not a storm
  auto kf = at(t);
  *kf.add_tree() = supervisor("app/top_sup/pool_sup", total, 0, 1000);
  *kf.add_tree() = supervisor("app/top_sup", 0, 0, 1);
  EXPECT_EQ(find(rules.evaluate(kf), Alert::RESTART_STORM, "app/top_sup/pool_sup"), nullptr);

  // 3 restarts a second: 9 after 3 s (not yet), 12 after 4 s.
  for (int s = 1; s <= 4; ++s) {
    auto k = at(t += kSecond);
    *k.add_tree() = supervisor("app/top_sup/pool_sup", total += 3, 3, 1000);
    const Alerts all = rules.evaluate(k);
    const Alert* a = find(all, Alert::RESTART_STORM, "app/top_sup/pool_sup");
    if (s < 4) {
      EXPECT_EQ(a, nullptr) << s;
    } else {
      ASSERT_NE(a, nullptr);
      EXPECT_EQ(a->value(), 12);
      EXPECT_EQ(a->name(), "pool_sup");
      EXPECT_EQ(a->pid(), "<0.50.0>");
      EXPECT_NEAR(a->rate_per_s(), 1.2, 1e-9);
    }
  }
  // No more restarts: 10 s after the storm's last restart the window holds 0.
  for (int s = 1; s <= 10; ++s) {
    auto k = at(t += kSecond);
    *k.add_tree() = supervisor("app/top_sup/pool_sup", total, 0, 1000);
    const Alerts a = rules.evaluate(k);
    const bool raised = find(a, Alert::RESTART_STORM, "app/top_sup/pool_sup") != nullptr;
    // The window [now-10 s, now] holds all 12 until 10 s after the first
    // of them (6 s after the last), then 9.
    EXPECT_EQ(raised, s < 7) << s;
  }
}

TEST(AlertRules, SupervisorIntensityNearAndAt) {
  AlertRules rules;
  auto kf = at(kStart);
  *kf.add_tree() = supervisor("a/near", 0, 2, 3);
  *kf.add_tree() = supervisor("a/at", 0, 3, 3);
  *kf.add_tree() = supervisor("a/calm", 0, 1, 3);
  *kf.add_tree() = supervisor("a/zero", 0, 0, 0);
  const Alerts a = rules.evaluate(kf);
  ASSERT_EQ(a.active_size(), 2);
  EXPECT_EQ(a.active(0).subject(), "a/at");  // critical first
  EXPECT_EQ(a.active(0).severity(), Alert::CRITICAL);
  EXPECT_EQ(a.active(0).value(), 3);
  EXPECT_EQ(a.active(0).limit(), 3);
  EXPECT_EQ(a.active(1).subject(), "a/near");
  EXPECT_EQ(a.active(1).severity(), Alert::WARNING);
  EXPECT_EQ(restart_headroom(kf.tree(0)), 1u);
  EXPECT_EQ(restart_headroom(kf.tree(1)), 0u);
}

v1::Event event(v1::Event::Kind kind, std::int64_t t, const std::string& pid, const std::string& detail) {
  v1::Event e;
  e.set_kind(kind);
  e.set_time_us(t);
  e.set_pid(pid);
  e.set_detail(detail);
  return e;
}

TEST(AlertRules, RecentMonitorEventsBySubject) {
  AlertRules rules;
  const std::int64_t now = kStart + 100 * kSecond;
  auto kf = at(now);
  *kf.add_events() = event(v1::Event::LONG_GC, now - 61 * kSecond, "<0.7.0>", "timeout 400 ms");  // too old
  *kf.add_events() = event(v1::Event::LONG_GC, now - 30 * kSecond, "<0.8.0>", "timeout 150 ms");
  *kf.add_events() = event(v1::Event::LONG_GC, now - 1 * kSecond, "<0.8.0>", "timeout 312 ms");
  *kf.add_events() = event(v1::Event::BUSY_DIST_PORT, now, "<0.9.0>", "port #Port<0.7>");
  *kf.add_events() = event(v1::Event::CRASH_REPORT, now, "<0.10.0>", "");
  *kf.add_processes() = growing("<0.8.0>", 0, 0, 0);
  const Alerts a = rules.evaluate(kf);
  ASSERT_EQ(a.active_size(), 2);
  const Alert* gc = find(a, Alert::LONG_GC, "<0.8.0>");
  ASSERT_NE(gc, nullptr);
  EXPECT_EQ(gc->value(), 2);
  EXPECT_EQ(gc->name(), "sink");
  EXPECT_NE(gc->summary().find("timeout 312 ms"), std::string::npos) << gc->summary();
  const Alert* port = find(a, Alert::BUSY_PORT, "#Port<0.7>");
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->pid(), "<0.9.0>");
  // A minute later they are gone.
  auto later = kf;
  later.set_sampled_at_us(now + 61 * kSecond);
  EXPECT_EQ(rules.evaluate(later).active_size(), 0);
}

TEST(AlertRules, CountsNearTheirLimitsWithHysteresis) {
  AlertRules rules;
  auto kf = at(kStart);
  auto* g = kf.mutable_gauges();
  g->set_process_limit(1000);
  g->set_process_count(799);
  g->set_atom_limit(1000);
  g->set_atom_count(960);
  g->set_port_limit(0);  // unknown limit: nothing
  g->set_port_count(5);
  Alerts a = rules.evaluate(kf);
  ASSERT_EQ(a.active_size(), 1);
  EXPECT_EQ(a.active(0).kind(), Alert::ATOM_LIMIT);
  EXPECT_EQ(a.active(0).severity(), Alert::CRITICAL);
  EXPECT_EQ(a.active(0).subject(), "");

  g->set_process_count(800);
  EXPECT_NE(find(rules.evaluate(kf), Alert::PROCESS_LIMIT, ""), nullptr);
  g->set_process_count(760);  // under 80%, over 75%: stays
  EXPECT_NE(find(rules.evaluate(kf), Alert::PROCESS_LIMIT, ""), nullptr);
  g->set_process_count(749);
  EXPECT_EQ(find(rules.evaluate(kf), Alert::PROCESS_LIMIT, ""), nullptr);
}

TEST(AlertRules, MemoryGrowthOverTheWindow) {
  AlertRules rules;
  std::int64_t t = kStart;
  std::uint64_t total = 200ull << 20;
  Alert found;
  for (int i = 0; i <= 30; ++i) {  // 300 s, one state every 10 s, +4 MiB each
    auto kf = at(t);
    kf.mutable_gauges()->mutable_memory()->set_total(total);
    const Alerts a = rules.evaluate(kf);
    const Alert* m = find(a, Alert::MEMORY_GROWTH, "");
    // 20% of 200 MiB is 40 MiB, but 64 MiB is the floor: from 160 s on.
    EXPECT_EQ(m != nullptr, i >= 16) << i;
    if (m) found = *m;
    t += 10 * kSecond;
    total += 4ull << 20;
  }
  EXPECT_NEAR(found.rate_per_s(), (4 << 20) / 10.0, 1.0);
  // Flat from now on: the window forgets the growth.
  for (int i = 0; i <= 31; ++i) {
    auto kf = at(t);
    kf.mutable_gauges()->mutable_memory()->set_total(total);
    rules.evaluate(kf);
    t += 10 * kSecond;
  }
  auto kf = at(t);
  kf.mutable_gauges()->mutable_memory()->set_total(total);
  EXPECT_EQ(rules.evaluate(kf).active_size(), 0);
}

TEST(AlertRules, BoundedPerKindAndInTotalWithTheRestCounted) {
  AlertRules rules({.mailbox_alarm = 10});
  auto kf = at(kStart);
  for (int i = 0; i < 100; ++i) *kf.add_processes() = growing("<0." + std::to_string(i) + ".0>", 10 + i, 0, 0);
  const Alerts a = rules.evaluate(kf);
  EXPECT_EQ(a.active_size(), 16);
  EXPECT_EQ(a.omitted(), 84u);
  EXPECT_EQ(a.active(0).value(), 109);  // the longest mailboxes are kept
  Envelope env;
  env.set_version_major(kVersionMajor);
  env.set_node("n@h");
  *env.mutable_keyframe()->mutable_alerts() = a;
  EXPECT_TRUE(within_bounds(env));
  for (auto i = static_cast<std::size_t>(a.active_size()); i <= limits::kMaxAlerts; ++i)
    *env.mutable_keyframe()->mutable_alerts()->add_active() = a.active(0);
  EXPECT_FALSE(within_bounds(env));
}

TEST(AlertRules, KindNamesRoundTrip) {
  for (int k = v1::Alert::Kind_MIN; k <= v1::Alert::Kind_MAX; ++k) {
    const auto kind = static_cast<Alert::Kind>(k);
    Alert::Kind back;
    ASSERT_TRUE(parse_alert_kind(alert_kind_name(kind), back)) << k;
    EXPECT_EQ(back, kind);
  }
  EXPECT_EQ(alert_kind_name(static_cast<Alert::Kind>(99)), "unknown");
}

TEST(AlertStream, DeltasCarryAlertsOnlyWhenTheyChangeAndAnEmptySetClears) {
  auto kf = beamscope::testing::keyframe_envelope("n@h", 1, 10);
  Alert a;
  a.set_kind(Alert::RESTART_STORM);
  a.set_subject("app/sup");
  *kf.mutable_keyframe()->mutable_alerts()->add_active() = a;
  NodeModel model;
  ASSERT_EQ(model.apply(kf), ApplyResult::kApplied);
  EXPECT_EQ(model.snapshot()->alerts().active_size(), 1);

  Keyframe same = kf.keyframe();
  EXPECT_FALSE(make_delta(kf.keyframe(), same).has_alerts());
  auto d1 = beamscope::testing::delta_envelope("n@h", 2);  // no alerts field: kept
  ASSERT_EQ(model.apply(d1), ApplyResult::kApplied);
  EXPECT_EQ(model.snapshot()->alerts().active_size(), 1);

  Keyframe cleared = kf.keyframe();
  cleared.clear_alerts();
  Envelope d2 = beamscope::testing::delta_envelope("n@h", 3);
  *d2.mutable_delta() = make_delta(kf.keyframe(), cleared);
  ASSERT_TRUE(d2.delta().has_alerts());
  ASSERT_EQ(model.apply(d2), ApplyResult::kApplied);
  EXPECT_EQ(model.snapshot()->alerts().active_size(), 0);
}

TEST(AlertRules, CostOnABigTree) {
  // 20,000 tree entries (the protocol's bound), 1,000 of them supervisors,
  // 4,096 hot processes, 512 events: the agent evaluates this every tick.
  AlertRules rules;
  auto kf = at(kStart);
  for (int i = 0; i < 20000; ++i) {
    auto n = supervisor("app/sup/" + std::to_string(i), static_cast<std::uint64_t>(i % 7), 0, 3);
    if (i % 20 != 0) n.set_kind(v1::TreeNode::WORKER);
    *kf.add_tree() = n;
  }
  for (int i = 0; i < 4096; ++i) *kf.add_processes() = growing("<0." + std::to_string(i) + ".0>", 5, 1, 0);
  for (int i = 0; i < 512; ++i) *kf.add_events() = event(v1::Event::LONG_GC, kStart, "<0.1.0>", "timeout 200 ms");
  rules.evaluate(kf);
  const auto t0 = std::chrono::steady_clock::now();
  constexpr int kRounds = 20;
  for (int r = 0; r < kRounds; ++r) {
    kf.set_sampled_at_us(kf.sampled_at_us() + kSecond);
    rules.evaluate(kf);
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / kRounds;
  std::printf("AlertRules::evaluate, 20,000 tree entries, 4,096 hot, 512 events: %.2f ms; state %zu bytes\n", ms,
              rules.memory_bytes());
  // Bounded by what it was given: a streak per hot process, a window per
  // supervisor that saw restarts, an alert's first time per alert.
  EXPECT_LT(rules.memory_bytes(), 4096u * 200 + 1000u * 300 + 64u * 1024);
  EXPECT_LT(ms, 100.0);  // generous: sanitizer builds and a loaded host
}

}  // namespace
}  // namespace beamscope::protocol
