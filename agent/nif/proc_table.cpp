#include "proc_table.hpp"

#include <algorithm>

namespace beamscope::agent {

std::uint16_t NameTable::intern(std::string_view name) {
  if (name.empty()) return 0;
  std::string key(name);
  if (auto it = ids_.find(key); it != ids_.end()) return it->second;
  if (names_.size() >= kMaxNames) {
    ++dropped_;
    return 0;
  }
  const auto id = static_cast<std::uint16_t>(names_.size());
  names_.push_back(key);
  ids_.emplace(std::move(key), id);
  return id;
}

std::uint16_t NameTable::cached(std::uint64_t a, std::uint64_t b, std::uint64_t c) const {
  auto it = by_term_.find(Key{a, b, c});
  return it == by_term_.end() ? 0 : it->second;
}

void NameTable::cache(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint16_t id) {
  // Bounded like the names: distinct terms past kMaxNames print each time.
  if (by_term_.size() < 4 * kMaxNames) by_term_.emplace(Key{a, b, c}, id);
}

std::size_t NameTable::bytes() const {
  std::size_t n = names_.capacity() * sizeof(std::string) + by_term_.size() * 48 + ids_.size() * 64;
  for (const auto& s : names_) n += s.capacity();
  return n;
}

double growth_per_s(const SweepTable& table, const ProcCols& c) {
  if (table.sweep_period_us == 0) return 0;
  return static_cast<double>(c.growth) * 1e6 / static_cast<double>(table.sweep_period_us);
}

std::uint64_t reds_per_s(const SweepTable& table, const ProcCols& c) {
  if (!table.rates_known || table.slow_period_us == 0) return 0;
  return static_cast<std::uint64_t>(static_cast<double>(c.reds_delta) * 1e6 / static_cast<double>(table.slow_period_us));
}

namespace {

// Pages ending this deep are selected with a heap; deeper ones sort a
// buffer of every match.
constexpr std::size_t kHeapSelectMax = 16384;

struct Candidate {
  std::int64_t v;
  std::uint64_t key;
  std::uint32_t idx;
};

std::int64_t sort_value(const PageQuery& q, const PidEntry& e, const ProcCols& c) {
  using K = PageQuery::Key;
  switch (q.key) {
    case K::kMailbox: return e.mailbox();
    case K::kGrowth: return c.growth;
    case K::kMemory: return c.heap_words;
    case K::kReductions: return c.reds_delta;
    case K::kMinorGcs: return c.minor_gcs == ProcCols::kUnknownGcs ? -1 : static_cast<std::int64_t>(c.minor_gcs);
    case K::kApplication: {
      // Name order, then the largest mailbox first; no application last.
      const std::int64_t rank = c.app < q.app_rank.size() ? q.app_rank[c.app] : 0xffff;
      return -(rank << 32) + static_cast<std::int64_t>(e.mailbox());
    }
  }
  return 0;
}

}  // namespace

PageResult query_page(const SweepTable& table, const PageQuery& q) {
  PageResult out;
  const std::size_t n = std::min(table.entries.size(), table.cols.size());
  // Largest first unless ascending (the application key's value is built
  // so that "largest" is A to Z); ties by pid term, smallest first.
  const bool asc = q.ascending;
  auto before = [asc](const Candidate& a, const Candidate& b) {
    if (a.v != b.v) return asc ? a.v < b.v : a.v > b.v;
    return a.key < b.key;
  };
  auto matches = [&q](const PidEntry& e, const ProcCols& c) {
    if (e.mailbox() < q.min_mailbox) return false;
    if (q.filter_app && c.app != q.app) return false;
    if (q.filter_names && (c.name >= q.names_match.size() || !q.names_match[c.name])) return false;
    return true;
  };
  const std::size_t want = q.offset + q.limit;
  std::vector<Candidate> cand;
  if (want <= kHeapSelectMax) {
    // A page near the top: keep the best `want` in a heap whose front is
    // the worst kept; most processes lose to it at one compare, and no
    // N-sized buffer is allocated.
    cand.reserve(want);
    for (std::size_t i = 0; i < n; ++i) {
      const PidEntry& e = table.entries[i];
      const ProcCols& c = table.cols[i];
      if (!matches(e, c)) continue;
      ++out.total;
      const Candidate x{sort_value(q, e, c), e.key, static_cast<std::uint32_t>(i)};
      if (cand.size() < want) {
        cand.push_back(x);
        std::push_heap(cand.begin(), cand.end(), before);
      } else if (before(x, cand.front())) {
        std::pop_heap(cand.begin(), cand.end(), before);
        cand.back() = x;
        std::push_heap(cand.begin(), cand.end(), before);
      }
    }
    std::sort_heap(cand.begin(), cand.end(), before);
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const PidEntry& e = table.entries[i];
      const ProcCols& c = table.cols[i];
      if (matches(e, c)) cand.push_back({sort_value(q, e, c), e.key, static_cast<std::uint32_t>(i)});
    }
    out.total = cand.size();
    if (q.offset < cand.size()) {
      const auto first = cand.begin() + static_cast<std::ptrdiff_t>(q.offset);
      const auto last = cand.begin() + static_cast<std::ptrdiff_t>(std::min(cand.size(), want));
      std::nth_element(cand.begin(), first, cand.end(), before);
      std::partial_sort(first, last, cand.end(), before);
    }
  }
  if (q.offset >= cand.size()) return out;
  const std::size_t end = std::min(cand.size(), want);
  const auto first = cand.begin() + static_cast<std::ptrdiff_t>(q.offset);
  const auto last = cand.begin() + static_cast<std::ptrdiff_t>(end);
  out.rows.reserve(end - q.offset);
  for (auto it = first; it != last; ++it) {
    const PidEntry& e = table.entries[it->idx];
    const ProcCols& c = table.cols[it->idx];
    PageRow r;
    r.key = e.key;
    r.mailbox = e.mailbox();
    r.growth_per_s = growth_per_s(table, c);
    r.heap_words = c.heap_words;
    r.reds_per_s = reds_per_s(table, c);
    r.minor_gcs = c.minor_gcs;
    r.name = c.name;
    r.app = c.app;
    r.slow_known = e.epoch() != 0;
    out.rows.push_back(r);
  }
  return out;
}

}  // namespace beamscope::agent
