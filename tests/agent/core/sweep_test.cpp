// The sweep's aggregation over synthetic processes (a pid is its term
// value here, as in the NIF): rankings, the histogram, growth streaks,
// reduction rates, applications, fresh pids' mailboxes and the table pages
// read.
#include "sweep.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace beamscope::agent {
namespace {

constexpr std::int64_t kSecond = 1'000'000;

std::vector<std::uint64_t> keys_of(const std::vector<SweptProcess>& v) {
  std::vector<std::uint64_t> out;
  for (const auto& p : v) out.push_back(p.key);
  return out;
}

const ProcCols* cols_of(const SweepTable& t, std::uint64_t key) {
  for (std::size_t i = 0; i < t.entries.size(); ++i)
    if (t.entries[i].key == key) return &t.cols[i];
  return nullptr;
}

// One fast-tier sweep (mailboxes only) at `t_us` over (key, mailbox) pairs.
void fast_sweep(Sweep& s, std::int64_t t_us, const std::vector<std::pair<std::uint64_t, std::uint64_t>>& procs) {
  s.begin(t_us, {});
  for (const auto& [key, mq] : procs) s.add(key, mq, 0, 0, 0, /*full=*/false);
  ASSERT_TRUE(s.end(t_us + 1000));
}

TEST(Sweep, ResultsDescribeOnlyACompleteSweep) {
  Sweep s(3);
  s.grow(100);
  s.begin(0, {});
  for (std::uint64_t k = 10; k < 20; ++k) s.add(k, k - 10, 100, 233, 0);
  EXPECT_EQ(s.last().processes, 0u) << "nothing is published before the sweep ends";
  EXPECT_EQ(s.progress(), 10u);
  ASSERT_TRUE(s.end(5000));
  EXPECT_FALSE(s.end(6000)) << "no sweep under way";

  const SweepResult& r = s.last();
  EXPECT_EQ(r.processes, 10u);
  EXPECT_EQ(r.sweeps_total, 1u);
  EXPECT_EQ(r.duration_us, 5000u);
  EXPECT_EQ(keys_of(r.top_mailbox), (std::vector<std::uint64_t>{19, 18, 17}));
  // Mailboxes 0..9: bucket 0 is empty ones, bucket 1 is 1, bucket 2 is 2..10.
  EXPECT_EQ(r.histogram.counts[0], 1u);
  EXPECT_EQ(r.histogram.counts[1], 1u);
  EXPECT_EQ(r.histogram.counts[2], 8u);
  EXPECT_EQ(r.histogram.sum, 45u);
  EXPECT_EQ(r.histogram.count, 10u);
  EXPECT_EQ(s.tracked(), 10u);
  EXPECT_EQ(s.untracked_total(), 0u);
}

TEST(Sweep, HistogramEdgesFollowTheProtocolsBounds) {
  MailboxHistogram h;
  for (std::uint64_t len : {0ull, 1ull, 10ull, 11ull, 1'000'000ull, 1'000'001ull}) h.add(len);
  EXPECT_EQ(h.counts[0], 1u);
  EXPECT_EQ(h.counts[1], 1u);
  EXPECT_EQ(h.counts[2], 1u) << "10 is within (1, 10]";
  EXPECT_EQ(h.counts[3], 1u) << "11 is within (10, 100]";
  EXPECT_EQ(h.counts[7], 1u);
  EXPECT_EQ(h.overflow, 1u);
}

TEST(Sweep, GrowingNeedsTwoSweepsOfGrowthAndSixteenMessages) {
  Sweep s(8);
  s.grow(16);
  // 101 grows by 20 a sweep, 100 by 10, 102 by 5 (stays under 16), 103 shrinks.
  fast_sweep(s, 0, {{100, 10}, {101, 20}, {102, 5}, {103, 90}});
  fast_sweep(s, 1 * kSecond, {{100, 20}, {101, 40}, {102, 10}, {103, 60}});
  EXPECT_TRUE(s.last().growing.empty()) << "one sweep of growth is not a streak";
  fast_sweep(s, 2 * kSecond, {{100, 30}, {101, 60}, {102, 15}, {103, 30}});
  const SweepResult& r = s.last();
  EXPECT_EQ(keys_of(r.growing), (std::vector<std::uint64_t>{101, 100})) << "by growth, largest first";
  EXPECT_EQ(r.growing[0].mailbox_growth, 20u);
  EXPECT_EQ(r.growing[0].growth_streak, 2u);
  EXPECT_EQ(r.sweep_period_us, static_cast<std::uint64_t>(kSecond));

  // The table pages read: signed growth and its rate over the sweep period.
  auto table = s.table();
  ASSERT_NE(cols_of(*table, 101), nullptr);
  EXPECT_EQ(cols_of(*table, 101)->growth, 20);
  EXPECT_EQ(cols_of(*table, 103)->growth, -30);
  EXPECT_DOUBLE_EQ(growth_per_s(*table, *cols_of(*table, 101)), 20.0);
  EXPECT_DOUBLE_EQ(growth_per_s(*table, *cols_of(*table, 103)), -30.0);
}

TEST(Sweep, ReductionRatesComeFromSlowTierSweepsOnly) {
  Sweep s(4);
  s.grow(16);
  s.begin(0, {});
  s.add(1, 0, 1000, 300, 0);
  s.add(2, 0, 50, 300, 0);
  s.end(100);
  EXPECT_EQ(s.last().period_us, 0u);
  ASSERT_FALSE(s.last().top_reds.empty());
  EXPECT_EQ(s.last().top_reds[0].reductions_delta, 0u) << "a first count is a lifetime total, not a rate";

  fast_sweep(s, 1 * kSecond, {{1, 0}, {2, 0}});  // the fast tier keeps the slow tier's rankings
  EXPECT_EQ(s.last().top_reds.size(), 2u);

  s.begin(2 * kSecond, {});
  s.add(1, 0, 5000, 300, 0);
  s.add(2, 0, 250, 300, 0);
  s.end(2 * kSecond + 100);
  const SweepResult& r = s.last();
  EXPECT_EQ(r.period_us, static_cast<std::uint64_t>(2 * kSecond)) << "between the two slow-tier beginnings";
  ASSERT_EQ(keys_of(r.top_reds), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(r.top_reds[0].reductions_delta, 4000u);
  EXPECT_EQ(r.rate_per_s(r.top_reds[0]), 2000u);
  EXPECT_EQ(r.rate_per_s(r.top_reds[1]), 100u);
  auto table = s.table();
  EXPECT_EQ(reds_per_s(*table, *cols_of(*table, 1)), 2000u);
}

TEST(Sweep, ReusedPidCountsItsReductionsFromZero) {
  Sweep s(2);
  s.grow(4);
  s.begin(0, {});
  s.add(7, 0, 900'000, 100, 0);
  s.end(1);
  s.begin(kSecond, {});
  s.add(7, 0, 40, 100, 0);  // fewer than before: another process under the same pid
  s.end(kSecond + 1);
  EXPECT_EQ(s.last().top_reds.at(0).reductions_delta, 40u);
}

TEST(Sweep, HotSetLeavesOutProcessesThatRankOnNothing) {
  Sweep s(4);
  s.grow(16);
  s.begin(0, {});
  s.add(1, 0, 0, 100, 0);   // idle, smallest heap
  s.add(2, 0, 0, 100, 0);   // idle, smallest heap
  s.add(3, 5, 0, 100, 0);   // a mailbox
  s.add(4, 0, 0, 4000, 0);  // a large heap
  s.end(1);
  auto hot = keys_of(s.last().hot);
  std::sort(hot.begin(), hot.end());
  EXPECT_EQ(hot, (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(s.last().heap_floor, 100u);
}

TEST(Sweep, ApplicationsAreTotalledByTheirMastersGroupLeader) {
  Sweep s(4);
  s.grow(16);
  s.begin(0, {{900, "web"}, {901, "db"}});
  s.add(1, 3, 10, 100, 900);
  s.add(2, 4, 20, 200, 900);
  s.add(3, 5, 30, 300, 901);
  s.add(4, 6, 40, 400, 0);  // no group leader read
  s.end(1);
  const auto& apps = s.last().apps;
  ASSERT_EQ(apps.size(), 2u);
  EXPECT_EQ(apps[0].name, "web");
  EXPECT_EQ(apps[0].processes, 2u);
  EXPECT_EQ(apps[0].mailbox, 7u);
  EXPECT_EQ(apps[0].heap_words, 300u);
  EXPECT_EQ(apps[1].name, "db");
  EXPECT_EQ(apps[1].reductions, 30u);
  auto table = s.table();
  EXPECT_EQ(s.app_names().at(cols_of(*table, 2)->app), "web");
  EXPECT_EQ(s.app_names().at(cols_of(*table, 3)->app), "db");
  EXPECT_EQ(cols_of(*table, 4)->app, 0u);

  // A fast-tier sweep counts no applications: the totals and ids stay.
  fast_sweep(s, kSecond, {{1, 0}, {2, 0}, {3, 0}, {4, 0}});
  EXPECT_EQ(s.last().apps.size(), 2u);
  table = s.table();
  EXPECT_EQ(s.app_names().at(cols_of(*table, 3)->app), "db");
}

TEST(Sweep, WithoutRoomProcessesAreCountedButNotTracked) {
  Sweep s(2);
  s.begin(0, {});
  for (std::uint64_t k = 1; k <= 5; ++k) s.add(k, k, 0, 0, 0);
  EXPECT_TRUE(s.wants_growth(0));
  s.end(1);
  EXPECT_EQ(s.last().processes, 5u) << "every process is aggregated";
  EXPECT_EQ(s.untracked_total(), 5u);
  EXPECT_EQ(s.tracked(), 0u);
  s.grow(5);
  EXPECT_FALSE(s.wants_growth(5));
  s.begin(kSecond, {});
  for (std::uint64_t k = 1; k <= 5; ++k) s.add(k, k, 0, 0, 0);
  s.end(kSecond + 1);
  EXPECT_EQ(s.tracked(), 5u);
  EXPECT_EQ(s.untracked_total(), 5u) << "a running count";
}

TEST(Sweep, AFreshPidsMailboxRisesBeforeTheListGetsToIt) {
  Sweep s(2);
  s.grow(16);
  fast_sweep(s, 0, {{1, 0}, {2, 0}});
  s.load_pids({1, 1000, 2});
  EXPECT_EQ(s.pids().fresh(), 1u) << "1000 was not in the last sweep";
  s.begin(kSecond, {});
  EXPECT_FALSE(s.pids().next_chunk(10, 1));
  ASSERT_TRUE(s.pids().chunk_is_fresh());
  s.add_fresh(1000, 12);
  EXPECT_EQ(s.rising(), (std::vector<std::uint64_t>{1000}));
  EXPECT_EQ(s.progress(), 0u) << "read ahead, not counted: the pass in list order counts it";
}

TEST(Sweep, APageHoldsItsTableWhileTheNextSweepsRun) {
  Sweep s(2);
  s.grow(16);
  fast_sweep(s, 0, {{1, 10}, {2, 20}});
  std::shared_ptr<const SweepTable> held = s.table();
  fast_sweep(s, kSecond, {{1, 11}, {2, 21}});
  fast_sweep(s, 2 * kSecond, {{1, 12}, {2, 22}, {3, 5}});
  ASSERT_EQ(held->entries.size(), 2u);
  EXPECT_EQ(held->entries[0].mailbox(), 10u) << "not overwritten by a later sweep";
  EXPECT_EQ(held->entries[1].mailbox(), 20u);
  EXPECT_EQ(s.table()->entries.size(), 3u);
  EXPECT_EQ(s.table()->entries[2].mailbox(), 5u);
}

TEST(Sweep, HugeMailboxesSaturateInTheHistoryNotInTheRankings) {
  Sweep s(2);
  s.grow(4);
  const std::uint64_t huge = std::uint64_t{PidEntry::kMaxMailbox} + 1000;
  fast_sweep(s, 0, {{1, huge}});
  EXPECT_EQ(s.last().top_mailbox.at(0).message_queue_len, huge);
  EXPECT_EQ(s.table()->entries.at(0).mailbox(), PidEntry::kMaxMailbox);
  fast_sweep(s, kSecond, {{1, huge + 5}});
  EXPECT_EQ(s.table()->cols.at(0).growth, 0) << "both saturated: no growth is invented";
}

}  // namespace
}  // namespace beamscope::agent
