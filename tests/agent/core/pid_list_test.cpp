// The sweep's pid list: chunks in list order, the pids the last sweep did
// not see handed out first (bounded), a list built in parts, the merge-join
// that finds them (HistoryCursor) past dead processes.
#include "pid_list.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace beamscope::agent {
namespace {

std::vector<PidEntry> history_of(const std::vector<std::uint64_t>& keys) {
  std::vector<PidEntry> h;
  for (auto k : keys) h.push_back(PidEntry{k, 0, 0});
  return h;
}

std::vector<std::uint64_t> iota(std::uint64_t from, std::size_t n) {
  std::vector<std::uint64_t> v(n);
  std::iota(v.begin(), v.end(), from);
  return v;
}

// Every chunk of `n` until the list is out: {fresh ones, listed ones}.
std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>> drain(PidList& l, std::size_t n) {
  std::vector<std::uint64_t> fresh, listed;
  bool done = false;
  while (!done) {
    done = l.next_chunk(n, 1);
    auto& to = l.chunk_is_fresh() ? fresh : listed;
    to.insert(to.end(), l.chunk().begin(), l.chunk().end());
  }
  return {fresh, listed};
}

TEST(PidList, FirstSweepHandsOutTheListInOrder) {
  PidList l;
  l.load(iota(1, 100), {});
  EXPECT_EQ(l.fresh(), 0u) << "nothing to compare with";
  auto [fresh, listed] = drain(l, 30);
  EXPECT_TRUE(fresh.empty());
  EXPECT_EQ(listed, iota(1, 100));
}

TEST(PidList, PidsTheLastSweepMissedComeFirst) {
  PidList l;
  // 50 died; 1000 and 1001 were spawned into the middle of the table.
  std::vector<std::uint64_t> next;
  for (std::uint64_t k = 1; k <= 100; ++k) {
    if (k == 50) continue;
    next.push_back(k);
    if (k == 60) next.insert(next.end(), {1000, 1001});
  }
  l.load(std::vector<std::uint64_t>(next), history_of(iota(1, 100)));
  EXPECT_EQ(l.fresh(), 2u);
  EXPECT_FALSE(l.next_chunk(30, 1));
  EXPECT_TRUE(l.chunk_is_fresh()) << "a chunk is all fresh or all listed";
  EXPECT_EQ(l.chunk(), (std::vector<std::uint64_t>{1000, 1001}));
  auto [fresh, listed] = drain(l, 30);
  EXPECT_TRUE(fresh.empty());
  EXPECT_EQ(listed, next) << "the list itself follows, the fresh pids in their place too";
}

TEST(PidList, FreshPidsAreBounded) {
  PidList l;
  // A node that spawned 5,000 processes since the last sweep of 1,000.
  std::vector<std::uint64_t> next = iota(1, 1000);
  const auto spawned = iota(100'000, 5000);
  next.insert(next.end(), spawned.begin(), spawned.end());
  l.load(std::move(next), history_of(iota(1, 1000)));
  EXPECT_EQ(l.fresh(), kMinFresh) << "max(kMinFresh, N / kFreshShareDiv)";
}

TEST(PidList, AListStagedInPartsLoadsLikeOneList) {
  PidList l;
  l.load(iota(1, 10), {});
  l.stage(iota(1, 4));
  l.stage(iota(5, 6));
  l.stage({2000});
  EXPECT_EQ(l.load_staged(history_of(iota(1, 10))), 11u);
  EXPECT_EQ(l.fresh(), 1u);
  auto [fresh, listed] = drain(l, 100);
  EXPECT_EQ(fresh, (std::vector<std::uint64_t>{2000}));
  std::vector<std::uint64_t> want = iota(1, 10);
  want.push_back(2000);
  EXPECT_EQ(listed, want);
}

TEST(PidList, TakeEmptiesTheListButKeepsItsRoom) {
  PidList l;
  l.load(iota(1, 4096), {});
  auto buf = l.take();
  EXPECT_TRUE(buf.empty());
  EXPECT_GE(buf.capacity(), 4096u);
  EXPECT_EQ(l.size(), 0u);
  EXPECT_TRUE(l.next_chunk(10, 1)) << "nothing left to hand out";
  EXPECT_TRUE(l.chunk().empty());
}

TEST(PidList, ChunkCpuIsKnownOnlyOnTheThreadThatTookIt) {
  PidList l;
  l.load(iota(1, 10), {});
  l.next_chunk(5, 1'000);
  EXPECT_EQ(l.chunk_cpu_ns(1'750), 750u);
  std::optional<std::uint64_t> elsewhere = 0;
  std::thread([&] { elsewhere = l.chunk_cpu_ns(5'000); }).join();
  EXPECT_FALSE(elsewhere.has_value()) << "moved between threads: the caller charges wall time";
}

TEST(HistoryCursor, FindsPastDeadProcessesAndResyncsAfterALongGap) {
  const std::vector<PidEntry> h = history_of(iota(1, 50'000));
  HistoryCursor c;
  ASSERT_NE(c.find(h, 1), nullptr);
  ASSERT_NE(c.find(h, 40), nullptr) << "38 dead ones skipped within the look-ahead";
  EXPECT_EQ(c.find(h, 10), nullptr) << "behind the cursor: a pid reused in another place";
  // 10,000 died in a row: misses until the long scan (after kResyncAfter
  // misses in a row) finds the next one.
  std::size_t misses = 0;
  while (!c.find(h, 10'100)) ASSERT_LE(++misses, kResyncAfter) << "never resynced";
  EXPECT_EQ(misses, kResyncAfter - 1) << "the miss of 10 above counts in the run";
  EXPECT_NE(c.find(h, 10'101), nullptr) << "back to the next entry";
  // Past kResyncScan the search stays bounded: such a pid reads as new.
  for (int i = 0; i < 200; ++i) EXPECT_EQ(c.find(h, 10'101 + kResyncScan + 10), nullptr);
}

}  // namespace
}  // namespace beamscope::agent
