// Pages of every process over a sweep table, against a brute-force sort of
// the same rows: each key, both selection paths (a heap near the top, a
// full sort deeper down), filters, and the interned names.
#include "proc_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace beamscope::agent {
namespace {

using Key = PageQuery::Key;

// A table of n processes with pseudo-random columns; pids are 8n+3, 8n+11,
// ... (term-like values, unique), mailboxes and heaps with many ties.
SweepTable make_table(std::size_t n, std::uint32_t seed) {
  SweepTable t;
  std::mt19937 rng(seed);
  for (std::size_t i = 0; i < n; ++i) {
    PidEntry e;
    e.key = 8 * (n - i) + 3;  // not in key order: the table is in sweep order
    e.set(1, 0, rng() % 50);
    ProcCols c;
    c.heap_words = 233 + rng() % 7 * 100;
    c.reds_delta = rng() % 100000;
    c.growth = static_cast<std::int32_t>(rng() % 21) - 10;
    c.minor_gcs = rng() % 10 == 0 ? ProcCols::kUnknownGcs : rng() % 300;
    c.name = static_cast<std::uint16_t>(rng() % 5);
    c.app = static_cast<std::uint16_t>(rng() % 4);
    t.entries.push_back(e);
    t.cols.push_back(c);
  }
  t.sweep_period_us = 2'000'000;
  t.slow_period_us = 4'000'000;
  t.rates_known = true;
  return t;
}

// The same order the page promises, computed the obvious way.
std::vector<std::uint64_t> brute_force(const SweepTable& t, const PageQuery& q) {
  struct Row {
    std::int64_t v;
    std::uint64_t key;
  };
  std::vector<Row> rows;
  for (std::size_t i = 0; i < t.entries.size(); ++i) {
    const PidEntry& e = t.entries[i];
    const ProcCols& c = t.cols[i];
    if (e.mailbox() < q.min_mailbox) continue;
    if (q.filter_app && c.app != q.app) continue;
    if (q.filter_names && !(c.name < q.names_match.size() && q.names_match[c.name])) continue;
    std::int64_t v = 0;
    switch (q.key) {
      case Key::kMailbox: v = e.mailbox(); break;
      case Key::kGrowth: v = c.growth; break;
      case Key::kMemory: v = c.heap_words; break;
      case Key::kReductions: v = c.reds_delta; break;
      case Key::kMinorGcs: v = c.minor_gcs == ProcCols::kUnknownGcs ? -1 : std::int64_t{c.minor_gcs}; break;
      case Key::kApplication: {
        const std::int64_t rank = c.app < q.app_rank.size() ? q.app_rank[c.app] : 0xffff;
        v = -rank * (std::int64_t{1} << 32) + e.mailbox();
        break;
      }
    }
    rows.push_back({v, e.key});
  }
  std::stable_sort(rows.begin(), rows.end(), [&q](const Row& a, const Row& b) {
    if (a.v != b.v) return q.ascending ? a.v < b.v : a.v > b.v;
    return a.key < b.key;
  });
  std::vector<std::uint64_t> out;
  for (std::size_t i = q.offset; i < rows.size() && i < q.offset + q.limit; ++i) out.push_back(rows[i].key);
  return out;
}

std::vector<std::uint64_t> page_keys(const PageResult& r) {
  std::vector<std::uint64_t> out;
  for (const auto& row : r.rows) out.push_back(row.key);
  return out;
}

std::size_t brute_total(const SweepTable& t, PageQuery q) {
  q.offset = 0;
  q.limit = t.entries.size() + 1;
  return brute_force(t, q).size();
}

TEST(ProcTable, EveryKeyBothWaysMatchesABruteForceSort) {
  // 40,000 rows: pages ending past 16,384 take the full-sort path.
  const SweepTable t = make_table(40'000, 7);
  for (Key key : {Key::kMailbox, Key::kGrowth, Key::kMemory, Key::kReductions, Key::kMinorGcs, Key::kApplication}) {
    for (bool asc : {false, true}) {
      for (std::size_t offset : {std::size_t{0}, std::size_t{950}, std::size_t{20'000}, std::size_t{39'990}}) {
        PageQuery q;
        q.key = key;
        q.ascending = asc;
        q.offset = offset;
        q.limit = 100;
        q.app_rank = {3, 1, 0, 2};  // app ids 0..3 in name order: 2, 1, 3, 0
        const PageResult r = query_page(t, q);
        EXPECT_EQ(r.total, t.entries.size());
        EXPECT_EQ(page_keys(r), brute_force(t, q))
            << "key " << static_cast<int>(key) << (asc ? " asc" : " desc") << " offset " << offset;
      }
    }
  }
}

TEST(ProcTable, FiltersCountEveryMatchAndPageThroughThem) {
  const SweepTable t = make_table(5'000, 11);
  PageQuery q;
  q.key = Key::kMemory;
  q.min_mailbox = 40;
  q.filter_app = true;
  q.app = 2;
  q.filter_names = true;
  q.names_match = {false, true, false, true};  // name ids 1 and 3; id 4 is past the vector: no match
  q.limit = 7;
  const std::size_t total = brute_total(t, q);
  ASSERT_GT(total, 20u) << "the fixture should leave several pages";
  std::vector<std::uint64_t> walked, expected;
  for (q.offset = 0; q.offset < total + 7; q.offset += q.limit) {
    const PageResult r = query_page(t, q);
    EXPECT_EQ(r.total, total);
    auto keys = page_keys(r);
    walked.insert(walked.end(), keys.begin(), keys.end());
  }
  PageQuery all = q;
  all.offset = 0;
  all.limit = total;
  expected = brute_force(t, all);
  EXPECT_EQ(walked, expected) << "pages fit together: no row twice, none lost";
  for (const auto& row : query_page(t, all).rows) {
    EXPECT_GE(row.mailbox, 40u);
    EXPECT_EQ(row.app, 2u);
    EXPECT_TRUE(row.name == 1 || row.name == 3);
  }
}

TEST(ProcTable, RowsCarryRatesOverTheirPeriods) {
  SweepTable t = make_table(3, 1);
  t.cols[0].growth = 8;
  t.cols[0].reds_delta = 10'000;
  PageQuery q;
  q.limit = 3;
  const PageResult r = query_page(t, q);
  const auto it = std::find_if(r.rows.begin(), r.rows.end(), [&](const PageRow& row) { return row.key == t.entries[0].key; });
  ASSERT_NE(it, r.rows.end());
  EXPECT_DOUBLE_EQ(it->growth_per_s, 4.0) << "8 messages over a 2 s sweep period";
  EXPECT_EQ(it->reds_per_s, 2'500u) << "10,000 reductions over a 4 s slow-tier period";
  EXPECT_TRUE(it->slow_known);
  t.rates_known = false;
  EXPECT_EQ(reds_per_s(t, t.cols[0]), 0u) << "no slow-tier sweep before: no rate";
  t.sweep_period_us = 0;
  EXPECT_EQ(growth_per_s(t, t.cols[0]), 0.0);
}

TEST(ProcTable, OffsetsPastTheEndGiveTheTotalAndNoRows) {
  const SweepTable t = make_table(10, 3);
  PageQuery q;
  q.offset = 10;
  const PageResult r = query_page(t, q);
  EXPECT_EQ(r.total, 10u);
  EXPECT_TRUE(r.rows.empty());
  EXPECT_EQ(query_page(SweepTable{}, PageQuery{}).total, 0u);
}

TEST(NameTable, InternsOnceAndStopsAtItsBound) {
  NameTable names;
  EXPECT_EQ(names.intern(""), 0u);
  const auto a = names.intern("cowboy_clock");
  EXPECT_NE(a, 0u);
  EXPECT_EQ(names.intern("cowboy_clock"), a);
  EXPECT_EQ(names.name(a), "cowboy_clock");
  EXPECT_EQ(names.name(60000), "") << "an unknown id reads as no name";
  for (std::size_t i = names.size(); i < NameTable::kMaxNames; ++i) names.intern("n" + std::to_string(i));
  EXPECT_EQ(names.size(), NameTable::kMaxNames);
  EXPECT_EQ(names.intern("one_too_many"), 0u);
  EXPECT_EQ(names.dropped(), 1u);
  EXPECT_EQ(names.intern("cowboy_clock"), a) << "known names still resolve";

  EXPECT_EQ(names.cached(1, 2, 3), 0u);
  names.cache(1, 2, 3, a);
  EXPECT_EQ(names.cached(1, 2, 3), a);
  EXPECT_EQ(names.cached(1, 2, 4), 0u);
}

}  // namespace
}  // namespace beamscope::agent
