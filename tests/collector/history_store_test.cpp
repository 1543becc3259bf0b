// HistoryStore: ticks at 1 s for the hour, minute min/mean/max for the day
// (against values computed by hand), rates across a node restart, the
// memory limit (oldest first, drops counted), backfill, a wall clock going
// back, and the answers' errors.
#include "beamscope/collector/history_store.hpp"

#include <chrono>
#include <cstdio>

#include <malloc.h>

#include <gtest/gtest.h>

#include "beamscope/protocol/framing.hpp"
#include "stream_fixtures.hpp"

namespace beamscope::collector {
namespace {

using G = v1::GaugeColumn;

// A whole minute of unix time: minute boundaries fall on multiples of 60 s.
constexpr std::int64_t kT0 = 1'800'000'000'000'000;
constexpr std::int64_t kSecond = 1'000'000;

struct Tick {
  std::int64_t time_us;
  std::uint64_t uptime_ms;
  std::uint64_t processes;
  std::uint64_t reductions;
  std::uint64_t mailbox = 0;
};

// A keyframe or a delta as the agent sends them (gauges and the mailbox histogram).
v1::Envelope frame(const std::string& node, const Tick& t, bool key) {
  auto env = testing::envelope(node, 1);
  env.set_timestamp_us(t.time_us);
  v1::VmGauges* g = key ? env.mutable_keyframe()->mutable_gauges() : env.mutable_delta()->mutable_gauges();
  g->set_uptime_ms(t.uptime_ms);
  g->set_process_count(t.processes);
  g->set_reductions_total(t.reductions);
  g->mutable_memory()->set_total(t.processes * 1000);
  auto* h = key ? env.mutable_keyframe()->mutable_mailbox_histogram() : env.mutable_delta()->mutable_mailbox_histogram();
  h->set_sum(t.mailbox);
  if (key) env.mutable_keyframe()->set_sampled_at_us(t.time_us);
  return env;
}

v1::HistoryAnswer ask(const HistoryStore& store, const std::string& node, const std::string& series,
                      std::int64_t from_us = 0, std::int64_t to_us = 0) {
  v1::HistoryRequest r;
  r.set_request_id(7);
  r.set_series(series);
  r.set_from_us(from_us);
  r.set_to_us(to_us);
  return store.answer(node, r);
}

// Increments of the reductions counter: 2000 on odd seconds, 1000 on even.
std::uint64_t reductions_at(int i) {
  const auto odd = static_cast<std::uint64_t>((i + 1) / 2), even = static_cast<std::uint64_t>(i / 2);
  return 5'000'000 + 2000 * odd + 1000 * even;
}

Tick tick_at(int i) {
  return {kT0 + i * kSecond, 10'000 + static_cast<std::uint64_t>(i) * 1000, 100 + static_cast<std::uint64_t>(i % 60),
          reductions_at(i), static_cast<std::uint64_t>(i % 3)};
}

TEST(HistoryStore, KeepsTheHourAtOneSecondAndFoldsOlderTicksIntoMinutes) {
  HistoryStore store;
  const int n = 3720;
  for (int i = 0; i < n; ++i) store.record("a@h", frame("a@h", tick_at(i), /*key=*/i % 10 == 0));
  const auto st = store.stats();
  // Newest at T0 + 3719 s: ticks from T0 + 119 s on are the hour (3601);
  // seconds 0..59 are minute 0, 60..118 the minute being filled.
  EXPECT_EQ(st.ticks, 3601u);
  EXPECT_EQ(st.minutes, 2u);
  EXPECT_EQ(st.nodes, 1u);

  const auto pc = ask(store, "a@h", "process_count");
  ASSERT_TRUE(pc.error().empty()) << pc.error();
  ASSERT_EQ(pc.points_size(), 2 + 3601);
  EXPECT_EQ(pc.oldest_us(), kT0);
  // Minute 0: processes 100..159 -> min 100, max 159, mean 129.5.
  const auto& m0 = pc.points(0);
  EXPECT_EQ(m0.time_us(), kT0);
  EXPECT_EQ(m0.span_ms(), 60'000u);
  EXPECT_DOUBLE_EQ(m0.min(), 100);
  EXPECT_DOUBLE_EQ(m0.max(), 159);
  EXPECT_DOUBLE_EQ(m0.value(), 129.5);
  // Minute 1 so far: seconds 60..118 -> processes 100..158.
  const auto& m1 = pc.points(1);
  EXPECT_EQ(m1.time_us(), kT0 + 60 * kSecond);
  EXPECT_DOUBLE_EQ(m1.min(), 100);
  EXPECT_DOUBLE_EQ(m1.max(), 158);
  EXPECT_DOUBLE_EQ(m1.value(), 129);
  // Then every tick, at 1 s, with its own value.
  for (int k = 0; k < 3601; ++k) {
    const auto& p = pc.points(2 + k);
    const int i = 119 + k;
    ASSERT_EQ(p.time_us(), kT0 + i * kSecond) << k;
    ASSERT_EQ(p.value(), 100 + i % 60) << k;
    ASSERT_EQ(p.span_ms(), 1000u) << k;
  }

  // Rates: minute 0 has seconds 1..59 (second 0 has no tick before it):
  // 30 odd (2000/s) and 29 even (1000/s): mean 89000 / 59.
  const auto red = ask(store, "a@h", "reductions_per_s");
  ASSERT_EQ(red.points_size(), 2 + 3601);
  EXPECT_DOUBLE_EQ(red.points(0).min(), 1000);
  EXPECT_DOUBLE_EQ(red.points(0).max(), 2000);
  EXPECT_NEAR(red.points(0).value(), 89000.0 / 59, 1e-9);
  // Minute 1 so far: seconds 60..118, 29 odd and 30 even (its first rate
  // uses second 59, folded already).
  EXPECT_NEAR(red.points(1).value(), (29 * 2000.0 + 30 * 1000.0) / 59, 1e-9);
  // The first tick kept gets its rate from the last tick folded.
  EXPECT_DOUBLE_EQ(red.points(2).value(), 119 % 2 ? 2000 : 1000);
  EXPECT_DOUBLE_EQ(red.points(3).value(), 120 % 2 ? 2000 : 1000);

  // The mailbox sum comes from each frame's histogram, deltas included.
  const auto mb = ask(store, "a@h", "mailbox_messages", kT0 + 3700 * kSecond);
  ASSERT_EQ(mb.points_size(), 20);
  for (int k = 0; k < 20; ++k) EXPECT_EQ(mb.points(k).value(), (3700 + k) % 3);

  // A range: only what falls in it.
  const auto range = ask(store, "a@h", "process_count", kT0 + 1000 * kSecond, kT0 + 1009 * kSecond);
  ASSERT_EQ(range.points_size(), 10);
  EXPECT_EQ(range.points(0).time_us(), kT0 + 1000 * kSecond);
}

TEST(HistoryStore, MinutesCoverTheDayThenAgeOut) {
  HistoryStore store({.fine_s = 60, .minutes = 30});
  for (int i = 0; i < 60 * 40; ++i) store.record("a@h", frame("a@h", tick_at(i), true));
  const auto st = store.stats();
  EXPECT_EQ(st.ticks, 61u);
  // 30 complete minutes at most (older ones aged out, not dropped) + the one filling.
  EXPECT_LE(st.minutes, 31u);
  EXPECT_GE(st.minutes, 29u);
  EXPECT_EQ(st.dropped[0] + st.dropped[1] + st.dropped[2], 0u);
  const auto pc = ask(store, "a@h", "process_count");
  // Oldest first, never out of order.
  for (int k = 1; k < pc.points_size(); ++k) ASSERT_GT(pc.points(k).time_us(), pc.points(k - 1).time_us());
}

TEST(HistoryStore, RatesAcrossANodeRestartAreNeverNegative) {
  HistoryStore store({.fine_s = 30});
  // 60 s of a node, then it restarts: uptime and counters start again.
  std::vector<Tick> ticks;
  for (int i = 0; i < 60; ++i) ticks.push_back({kT0 + i * kSecond, 100'000 + i * 1000ull, 50, 9'000'000 + i * 5000ull});
  for (int i = 60; i < 120; ++i)
    ticks.push_back({kT0 + i * kSecond, 2000 + (i - 60) * 1000ull, 40, 1000 + (i - 60) * 300ull});
  for (const auto& t : ticks) store.record("r@h", frame("r@h", t, true));
  const auto red = ask(store, "r@h", "reductions_per_s");
  ASSERT_TRUE(red.error().empty());
  int ticks_seen = 0;
  for (const auto& p : red.points()) {
    EXPECT_GE(p.min(), 0) << p.time_us();
    EXPECT_GE(p.value(), 0) << p.time_us();
    EXPECT_TRUE(p.value() == 5000 || p.value() == 300 || p.span_ms() == 60'000) << p.value();
    if (p.span_ms() != 60'000) ++ticks_seen;
  }
  // 31 ticks kept (89..119), the one at the restart (60) is not among them:
  // every kept tick has a rate.
  EXPECT_EQ(ticks_seen, 31);
  // The minute holding the restart (60..119 partly folded): no rate at the
  // restart tick itself, 300/s after it.
  bool restart_minute = false;
  for (const auto& p : red.points())
    if (p.time_us() == kT0 + 60 * kSecond) {
      restart_minute = true;
      EXPECT_DOUBLE_EQ(p.min(), 300);
      EXPECT_DOUBLE_EQ(p.max(), 300);
    }
  EXPECT_TRUE(restart_minute);

  // Events: ids start again after the restart and are kept.
  auto ev = frame("r@h", {kT0 + 121 * kSecond, 62'000, 40, 20'000}, false);
  auto* e = ev.mutable_delta()->add_events();
  e->set_id(1);
  e->set_time_us(kT0 + 121 * kSecond);
  store.record("r@h", ev);
  EXPECT_EQ(store.stats().events, 1u);
}

TEST(HistoryStore, MemoryLimitDropsTheOldestFirstAndCountsIt) {
  // What one node's 10 minutes cost, measured with no limit.
  auto fill_old = [](HistoryStore& s) {
    for (int i = 0; i < 600; ++i) s.record("old@h", frame("old@h", tick_at(i), true));
  };
  HistoryStore probe({.fine_s = 60});
  fill_old(probe);
  const std::uint64_t old_bytes = probe.stats().bytes;
  ASSERT_GT(old_bytes, 0u);

  // The limit holds old's 10 minutes and half as much again: not both
  // nodes' (new@h's 5 minutes cost about what old@h's 10 do).
  const std::uint64_t limit = old_bytes * 3 / 2;
  HistoryStore store({.memory_limit = limit, .fine_s = 60});
  fill_old(store);
  ASSERT_EQ(store.stats().dropped, (std::array<std::uint64_t, kHistoryDropKinds>{}));
  // A second node, later: old's oldest data goes first, minutes before ticks.
  for (int i = 600; i < 900; ++i) {
    Tick t = tick_at(i);
    store.record("new@h", frame("new@h", t, true));
    ASSERT_LE(store.stats().bytes, limit) << i;
  }
  const auto st = store.stats();
  EXPECT_GT(st.dropped[static_cast<std::size_t>(HistoryDrop::kMinutes)], 0u);
  EXPECT_EQ(st.dropped[static_cast<std::size_t>(HistoryDrop::kEvents)], 0u);
  // new@h is whole: its 61 ticks (60 s + the newest), its minutes folded.
  const auto fresh = ask(store, "new@h", "process_count");
  ASSERT_TRUE(fresh.error().empty());
  EXPECT_EQ(fresh.oldest_us(), kT0 + 600 * kSecond);
  // old@h lost its start: what it keeps begins later than it did.
  const auto old = ask(store, "old@h", "process_count");
  if (old.error().empty()) {
    EXPECT_GT(old.oldest_us(), kT0);
  }

  // Past the limit for long: old@h goes entirely, ticks counted too.
  for (int i = 900; i < 3000; ++i) store.record("new@h", frame("new@h", tick_at(i), true));
  const auto st2 = store.stats();
  EXPECT_LE(st2.bytes, limit);
  EXPECT_GT(st2.dropped[static_cast<std::size_t>(HistoryDrop::kTicks)], 0u);
  EXPECT_EQ(ask(store, "old@h", "process_count").error(), "this collector keeps no history of node old@h");
  EXPECT_EQ(st2.nodes, 1u);
  // new@h's newest ticks are all there.
  const auto last = ask(store, "new@h", "process_count", kT0 + 2940 * kSecond);
  EXPECT_EQ(last.points_size(), 60);
}

TEST(HistoryStore, EventsPastThePerNodeBoundAreCounted) {
  HistoryStore store({.max_events = 10});
  auto env = frame("e@h", tick_at(0), true);
  for (int i = 1; i <= 25; ++i) {
    auto* e = env.mutable_keyframe()->add_events();
    e->set_id(i);
    e->set_time_us(kT0);
  }
  store.record("e@h", env);
  store.record("e@h", env);  // a periodic keyframe repeats them: each id once
  const auto st = store.stats();
  EXPECT_EQ(st.events, 10u);
  EXPECT_EQ(st.dropped[static_cast<std::size_t>(HistoryDrop::kEvents)], 15u);
  const auto h = store.history("e@h");
  ASSERT_TRUE(h);
  ASSERT_EQ(h->history().events_size(), 10);
  EXPECT_EQ(h->history().events(0).id(), 16u);
}

v1::History history_of(int from, int to, std::uint64_t processes_from = 0) {
  protocol::SampleRing ring(static_cast<std::size_t>(to - from));
  for (int i = from; i < to; ++i) {
    v1::Keyframe kf;
    const Tick t = tick_at(i);
    kf.set_sampled_at_us(t.time_us);
    kf.mutable_gauges()->set_uptime_ms(t.uptime_ms);
    kf.mutable_gauges()->set_process_count(processes_from ? processes_from + i : t.processes);
    kf.mutable_gauges()->set_reductions_total(t.reductions);
    ring.push(protocol::gauge_sample(kf));
  }
  v1::History h;
  protocol::append_history(ring, 0, h);
  return h;
}

TEST(HistoryStore, BackfillOnlyAddsOlderTicks) {
  HistoryStore store;
  for (int i = 100; i < 110; ++i) store.record("b@h", frame("b@h", tick_at(i), true));
  // The agent's ring: seconds 50..119, with other values where they overlap.
  store.backfill("b@h", history_of(50, 120, 9000));
  auto st = store.stats();
  EXPECT_EQ(st.backfilled, 50u);
  EXPECT_EQ(st.ticks, 60u);
  const auto pc = ask(store, "b@h", "process_count");
  ASSERT_EQ(pc.points_size(), 60);
  for (int k = 0; k < 60; ++k) {
    const int i = 50 + k;
    EXPECT_EQ(pc.points(k).time_us(), kT0 + i * kSecond);
    // Older ticks from the History, the live ones untouched.
    EXPECT_EQ(pc.points(k).value(), i < 100 ? 9000 + i : 100 + i % 60) << i;
  }
  // Rates join across the seam: the live tick 100 has one from backfilled 99.
  const auto red = ask(store, "b@h", "reductions_per_s", kT0 + 100 * kSecond, kT0 + 100 * kSecond);
  ASSERT_EQ(red.points_size(), 1);
  EXPECT_DOUBLE_EQ(red.points(0).value(), 1000);
  // The same History again (a resync's Hello): nothing more.
  store.backfill("b@h", history_of(50, 120, 9000));
  EXPECT_EQ(store.stats().backfilled, 50u);
  EXPECT_EQ(store.stats().ticks, 60u);
  // A malformed one (a column shorter than time_us): nothing, no crash.
  auto bad = history_of(0, 40);
  bad.mutable_columns(0)->mutable_values()->RemoveLast();
  store.backfill("b@h", bad);
  EXPECT_EQ(store.stats().ticks, 60u);
  // A node first heard of through its History (collector started late).
  store.backfill("c@h", history_of(0, 600));
  EXPECT_EQ(ask(store, "c@h", "process_count").points_size(), 600);
}

TEST(HistoryStore, AWallClockGoingBackKeepsOrderAndRates) {
  HistoryStore store({.fine_s = 60});
  std::uint64_t uptime = 1000;
  std::int64_t wall = kT0;
  std::uint64_t reductions = 0;
  for (int i = 0; i < 300; ++i) {
    // At 100 s the wall clock is set back 45 s; at 200 s 10 minutes ahead.
    wall += i == 100 ? -45 * kSecond : i == 200 ? 600 * kSecond : kSecond;
    uptime += 1000;
    reductions += 700;
    store.record("w@h", frame("w@h", {wall, uptime, 10, reductions}, true));
  }
  const auto st = store.stats();
  EXPECT_GT(st.clock_held, 0u);
  for (const auto& series : {"process_count", "reductions_per_s"}) {
    const auto a = ask(store, "w@h", series);
    ASSERT_GT(a.points_size(), 0);
    for (int k = 1; k < a.points_size(); ++k) ASSERT_GE(a.points(k).time_us(), a.points(k - 1).time_us()) << k;
  }
  // Rates come from the node's uptime: 700/s whatever the wall clock did.
  const auto rates = ask(store, "w@h", "reductions_per_s");
  for (const auto& p : rates.points()) {
    EXPECT_DOUBLE_EQ(p.min(), 700);
    EXPECT_DOUBLE_EQ(p.max(), 700);
  }
}

TEST(HistoryStore, UnknownNodeOrSeriesIsAnError) {
  HistoryStore store;
  store.record("a@h", frame("a@h", tick_at(0), true));
  const auto series = ask(store, "a@h", "bogus");
  EXPECT_EQ(series.points_size(), 0);
  EXPECT_NE(series.error().find("unknown series bogus; known: process_count"), std::string::npos) << series.error();
  const auto node = ask(store, "nobody@h", "process_count");
  EXPECT_EQ(node.error(), "this collector keeps no history of node nobody@h");
  EXPECT_EQ(node.request_id(), 7u);
  EXPECT_FALSE(store.history("nobody@h"));
}

TEST(HistoryStore, HistoryForAViewerIsTheLastTenMinutes) {
  HistoryStore store;
  for (int i = 0; i < 900; ++i) store.record("v@h", frame("v@h", tick_at(i), i % 5 == 0));
  const auto env = store.history("v@h");
  ASSERT_TRUE(env && env->has_history());
  const auto samples = protocol::history_samples(env->history());
  ASSERT_EQ(samples.size(), 601u);  // seconds 299..899
  EXPECT_EQ(samples.front().time_us, kT0 + 299 * kSecond);
  EXPECT_EQ(samples.back().time_us, kT0 + 899 * kSecond);
  for (const auto& s : samples) {
    const int i = static_cast<int>((s.time_us - kT0) / kSecond);
    ASSERT_EQ(s[G::PROCESS_COUNT], tick_at(i).processes);
    ASSERT_EQ(s[G::REDUCTIONS_TOTAL], tick_at(i).reductions);
  }
  EXPECT_EQ(env->history().window_s(), 3600u);
}

TEST(HistoryStore, CloseTicksKeepOneASecond) {
  HistoryStore store;
  // 100 ms ticks for 10 s, and a periodic keyframe repeating a state.
  for (int i = 0; i <= 100; ++i)
    store.record("f@h", frame("f@h", {kT0 + i * 100'000, 5000 + i * 100ull, 10, 0}, true));
  store.record("f@h", frame("f@h", {kT0 + 10 * kSecond, 5000 + 100 * 100ull, 10, 0}, true));
  const auto pc = ask(store, "f@h", "process_count");
  // The last tick of each second stays (the newest is replaced until its
  // second is over): 0.9 s, 1.9 s, ... 9.9 s, and the newest at 10 s.
  ASSERT_EQ(pc.points_size(), 11);
  for (int k = 0; k < 10; ++k) EXPECT_EQ(pc.points(k).time_us(), kT0 + k * kSecond + 900'000) << k;
  EXPECT_EQ(pc.points(10).time_us(), kT0 + 10 * kSecond);
  // An early tick 0.3 s after a regular one replaces it; one 0.6 s after is kept.
  store.record("f@h", frame("f@h", {kT0 + 11 * kSecond, 5000 + 11'000, 20, 0}, true));
  store.record("f@h", frame("f@h", {kT0 + 11 * kSecond + 300'000, 5000 + 11'300, 21, 0}, true));
  store.record("f@h", frame("f@h", {kT0 + 12 * kSecond, 5000 + 12'000, 22, 0}, true));
  store.record("f@h", frame("f@h", {kT0 + 12 * kSecond + 600'000, 5000 + 12'600, 23, 0}, true));
  const auto late = ask(store, "f@h", "process_count", kT0 + 11 * kSecond);
  ASSERT_EQ(late.points_size(), 3);
  EXPECT_EQ(late.points(0).value(), 21);
  EXPECT_EQ(late.points(1).value(), 22);
  EXPECT_EQ(late.points(2).value(), 23);
}

TEST(HistoryStore, ASilentNodeAgesOutOnTheCollectorsClock) {
  HistoryStore store;
  for (int i = 0; i < 120; ++i) store.record("gone@h", frame("gone@h", tick_at(i), true));
  const auto before = store.stats();
  ASSERT_EQ(before.ticks, 120u);
  const std::int64_t now = protocol::now_us();
  store.expire(now + 30 * 60 * kSecond);  // half an hour of silence: nothing leaves the hour yet
  EXPECT_EQ(store.stats().ticks, 120u);
  store.expire(now + 2 * 3600 * kSecond);  // two hours: its ticks are minutes now
  auto st = store.stats();
  EXPECT_EQ(st.ticks, 0u);
  EXPECT_EQ(st.minutes, 2u);
  const auto pc = ask(store, "gone@h", "process_count");
  ASSERT_EQ(pc.points_size(), 2);
  EXPECT_DOUBLE_EQ(pc.points(0).value(), 129.5);
  EXPECT_LT(st.bytes, before.bytes);
  store.expire(now + 25 * 3600 * kSecond);  // a day: the node is forgotten, not dropped
  st = store.stats();
  EXPECT_EQ(st.nodes, 0u);
  EXPECT_EQ(st.bytes, 0u);
  EXPECT_EQ(st.dropped, (std::array<std::uint64_t, kHistoryDropKinds>{}));
  EXPECT_EQ(ask(store, "gone@h", "process_count").error(), "this collector keeps no history of node gone@h");
}

TEST(HistoryStore, MemoryLimitParsing) {
  std::uint64_t b = 0;
  EXPECT_FALSE(parse_memory_limit("512MiB", b));
  EXPECT_EQ(b, 512ull << 20);
  EXPECT_FALSE(parse_memory_limit("2GiB", b));
  EXPECT_EQ(b, 2ull << 30);
  EXPECT_FALSE(parse_memory_limit("1048576", b));
  EXPECT_EQ(b, 1ull << 20);
  EXPECT_FALSE(parse_memory_limit("4096KiB", b));
  EXPECT_EQ(b, 4ull << 20);
  for (const char* bad : {"", "0", "-5", "12XB", "512mb", "MiB", "100", "2000GiB", "99999999999999999999999"}) {
    auto err = parse_memory_limit(bad, b);
    ASSERT_TRUE(err) << bad;
    EXPECT_NE(err->find("--memory-limit"), std::string::npos) << *err;
  }
  EXPECT_EQ(*parse_memory_limit("100", b), "--memory-limit 100: must be between 1MiB and 1024GiB");
}

// Not a timed test: the figures for the notes (memory per node-hour, the
// cost of recording a frame), printed.
TEST(HistoryStore, MemoryPerNodeHourAndRecordCost) {
  const std::size_t heap_before = mallinfo2().uordblks;
  HistoryStore store;
  const int nodes = 20, seconds = 3600;
  std::vector<std::string> names;
  for (int n = 0; n < nodes; ++n) names.push_back("node" + std::to_string(n) + "@host");
  std::vector<v1::Envelope> frames;
  for (int n = 0; n < nodes; ++n) frames.push_back(frame(names[n], tick_at(0), false));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < seconds; ++i)
    for (int n = 0; n < nodes; ++n) {
      auto& f = frames[static_cast<std::size_t>(n)];
      const Tick t = tick_at(i);
      f.set_timestamp_us(t.time_us);
      f.mutable_delta()->mutable_gauges()->set_uptime_ms(t.uptime_ms);
      f.mutable_delta()->mutable_gauges()->set_reductions_total(t.reductions);
      store.record(names[static_cast<std::size_t>(n)], f);
    }
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  const auto st = store.stats();
  EXPECT_EQ(st.ticks, static_cast<std::uint64_t>(nodes) * seconds);
  const double per_node_hour = static_cast<double>(st.bytes) / nodes;
  // What the store counts against --memory-limit is what it holds (glibc's
  // count of bytes in use; ASan's allocator keeps its own).
  const double heap = static_cast<double>(mallinfo2().uordblks - heap_before);
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_NEAR(static_cast<double>(st.bytes), heap, 0.1 * heap) << "counted " << st.bytes << ", heap " << heap;
#endif
  // What a viewer's Hello costs the server's thread per node: its History.
  const auto h0 = std::chrono::steady_clock::now();
  std::size_t history_bytes = 0;
  for (const auto& name : names) history_bytes += store.history(name)->ByteSizeLong();
  const double history_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - h0).count() / nodes;
  std::printf("history: a viewer's History (10 min) %.0f us and %zu bytes a node\n", history_us,
              history_bytes / nodes);
  // A day: the hour of ticks and 23 h of minutes.
  HistoryStore day;
  for (int i = 0; i < 24 * 3600; i += 1) day.record("d@h", frame("d@h", tick_at(i), false));
  std::printf("history: %.0f bytes per node-hour at 1 s; a node's day (1 h at 1 s + 23 h of minutes) %llu bytes; "
              "record %.0f ns a frame\n",
              per_node_hour, static_cast<unsigned long long>(day.stats().bytes), ns / (nodes * seconds));
  RecordProperty("bytes_per_node_hour", static_cast<int>(per_node_hour));
  RecordProperty("record_ns_per_frame", static_cast<int>(ns / (nodes * seconds)));
  EXPECT_LT(per_node_hour, 2 << 20);
}

}  // namespace
}  // namespace beamscope::collector
