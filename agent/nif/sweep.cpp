#include "sweep.hpp"

#include <algorithm>
#include <unordered_set>

namespace beamscope::agent {

static_assert(MailboxHistogram::kBounds[0] == 0, "add() counts empty mailboxes in bucket 0");

void MailboxHistogram::add(std::uint64_t len) {
  ++count;
  sum += len;
  if (len == 0) {  // most processes: kBounds[0] is 0
    ++counts[0];
    return;
  }
  const auto it = std::lower_bound(kBounds.begin(), kBounds.end(), len);
  if (it == kBounds.end())
    ++overflow;
  else
    ++counts[static_cast<std::size_t>(it - kBounds.begin())];
}

std::uint64_t SweepResult::rate_per_s(const SweptProcess& p) const {
  if (period_us == 0) return 0;
  return static_cast<std::uint64_t>(static_cast<double>(p.reductions_delta) * 1e6 / static_cast<double>(period_us));
}

void TopK::reset(std::size_t k) {
  k_ = k;
  heap_.clear();
}

bool TopK::greater(const SweptProcess& a, const SweptProcess& b) const {
  if (a.*by_ != b.*by_) return a.*by_ > b.*by_;
  return a.key < b.key;
}

void TopK::offer(const SweptProcess& p) {
  // Most processes lose to the weakest kept at the first compare.
  if (heap_.size() >= k_ && (k_ == 0 || p.*by_ < heap_.front().*by_)) return;
  // heap_ is a min-heap under greater(): front() is the weakest kept.
  auto cmp = [this](const SweptProcess& a, const SweptProcess& b) { return greater(a, b); };
  if (heap_.size() < k_) {
    heap_.push_back(p);
    std::push_heap(heap_.begin(), heap_.end(), cmp);
  } else if (greater(p, heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), cmp);
    heap_.back() = p;
    std::push_heap(heap_.begin(), heap_.end(), cmp);
  }
}

std::vector<SweptProcess> TopK::take_sorted() {
  std::vector<SweptProcess> out;
  out.swap(heap_);
  std::sort(out.begin(), out.end(), [this](const SweptProcess& a, const SweptProcess& b) { return greater(a, b); });
  return out;
}

Sweep::Sweep(std::size_t top_k)
    : top_k_(top_k),
      by_mailbox_(&SweptProcess::message_queue_len, top_k),
      by_reds_(&SweptProcess::reductions_delta, top_k),
      by_heap_(&SweptProcess::heap_words, top_k),
      by_growth_(&SweptProcess::mailbox_growth, top_k),
      early_(&SweptProcess::message_queue_len, top_k) {}

void Sweep::begin(std::int64_t now_us, std::vector<std::pair<std::uint64_t, std::string>> masters) {
  // O(1) apart from the few applications: cur_ keeps its capacity.
  active_ = true;
  full_ = false;
  gc_ = false;
  begin_us_ = now_us;
  cur_->clear();
  cursor_ = HistoryCursor{};
  matched_ = 0;
  by_mailbox_.reset(top_k_);
  by_reds_.reset(top_k_);
  by_heap_.reset(top_k_);
  by_growth_.reset(top_k_);
  early_.reset(top_k_);
  histogram_ = {};
  heap_min_ = UINT64_MAX;
  processes_ = 0;
  app_index_.clear();
  apps_.clear();
  app_id_of_.clear();
  count_apps_ = !masters.empty();
  for (auto& [key, name] : masters) {
    if (apps_.size() >= kMaxApps) break;
    if (!app_index_.emplace(key, apps_.size()).second) continue;
    // Ids outlive the sweep (rows of fast-tier sweeps carry them): a name
    // keeps its id; at most kMaxApps names in all.
    std::uint16_t id = 0;
    if (auto it = app_ids_.find(name); it != app_ids_.end()) {
      id = it->second;
    } else if (app_names_.size() <= kMaxApps) {
      id = static_cast<std::uint16_t>(app_names_.size());
      app_names_.push_back(name);
      app_ids_.emplace(name, id);
    }
    app_id_of_.push_back(id);
    apps_.push_back(AppTotals{std::move(name), 0, 0, 0, 0});
  }
}

bool Sweep::wants_growth(std::size_t expected) const {
  // Only the table under way: the last complete one may be held by a page
  // query, and the one after it is sized when it is recycled.
  if (expected == 0) return cur_->entries.size() >= cur_->entries.capacity();
  const std::size_t want = expected + expected / 8;
  return cur_->entries.capacity() < want || cur_->cols.capacity() < want;
}

void Sweep::grow(std::size_t expected) {
  const std::size_t want = std::max<std::size_t>(1024, expected + expected / 4);
  if (cur_->entries.capacity() < want) cur_->entries.reserve(want);
  if (cur_->cols.capacity() < want) cur_->cols.reserve(want);
}

void Sweep::add_fresh(std::uint64_t key, std::uint64_t mqlen) {
  if (!active_ || key == 0 || mqlen == 0) return;
  SweptProcess p{};
  p.key = key;
  p.message_queue_len = mqlen;
  early_.offer(p);
}

void Sweep::add(std::uint64_t key, std::uint64_t mqlen, std::uint64_t reds, std::uint64_t heap_words,
                std::uint64_t group_leader, bool full, const SlowRead& slow) {
  if (!active_ || key == 0) return;
  full_ = full_ || full;
  gc_ = gc_ || slow.has_gcs;
  SweptProcess p{key, mqlen, full ? reds : 0, full ? reds : 0, full ? heap_words : 0, 0, 0};
  const std::vector<PidEntry>& history = prev_->entries;
  const PidEntry* before = cursor_.find(history, key);
  PidEntry e{key, 0, 0};
  ProcCols cols;
  bool reds_known = false;
  const std::uint64_t mq_sat = std::min<std::uint64_t>(mqlen, PidEntry::kMaxMailbox);
  if (before) {
    ++matched_;
    const std::uint64_t was = before->mailbox();
    const bool grew = mq_sat > was;
    p.mailbox_growth = grew ? mqlen - was : 0;
    p.growth_streak = grew ? std::min(before->streak() + 1u, 3u) : 0u;
    e.reds = before->reds;
    reds_known = before->epoch() != 0;
    const auto i = static_cast<std::size_t>(before - history.data());
    if (i < prev_->cols.size()) cols = prev_->cols[i];
    const std::int64_t d = static_cast<std::int64_t>(mq_sat) - static_cast<std::int64_t>(was);
    cols.growth = static_cast<std::int32_t>(std::clamp<std::int64_t>(d, INT32_MIN, INT32_MAX));
  } else {
    cols.growth = 0;
  }
  if (full) {
    // Deltas mod 2^32 against the last slow-tier sweep; a "negative" one
    // means the pid was reused. A process not seen by a slow-tier sweep
    // did all its reductions since.
    const auto reds32 = static_cast<std::uint32_t>(reds);
    if (reds_known) {
      const std::uint32_t d = reds32 - e.reds;
      p.reductions_delta = d < (1u << 31) ? d : reds;
    }
    e.reds = reds32;
    reds_known = true;
    cols.reds_delta = static_cast<std::uint32_t>(std::min<std::uint64_t>(p.reductions_delta, UINT32_MAX));
    cols.heap_words = static_cast<std::uint32_t>(std::min<std::uint64_t>(heap_words, UINT32_MAX));
    cols.name = slow.name;
    cols.app = 0;
  }
  if (slow.has_gcs) cols.minor_gcs = std::min<std::uint32_t>(slow.minor_gcs, ProcCols::kUnknownGcs - 1);
  e.set(reds_known ? 1u : 0u, static_cast<unsigned>(p.growth_streak), mqlen);
  // Never reallocate here (O(N)): when full, the caller is told to grow().
  const bool tracked = cur_->entries.size() < cur_->entries.capacity() && cur_->cols.size() < cur_->cols.capacity();
  if (!tracked) ++untracked_total_;
  histogram_.add(mqlen);
  ++processes_;
  by_mailbox_.offer(p);
  if (full) {
    by_reds_.offer(p);
    by_heap_.offer(p);
    heap_min_ = std::min(heap_min_, heap_words);
  }
  if (p.growth_streak >= 2 && mqlen >= kGrowthMinMailbox) by_growth_.offer(p);
  if (count_apps_ && group_leader != 0) {
    if (auto it = app_index_.find(group_leader); it != app_index_.end()) {
      if (full) cols.app = app_id_of_[it->second];
      AppTotals& a = apps_[it->second];
      ++a.processes;
      a.heap_words += heap_words;
      a.mailbox += mqlen;
      a.reductions += reds;
    }
  }
  if (tracked) {
    cur_->entries.push_back(e);
    cur_->cols.push_back(cols);
  }
}

std::vector<std::uint64_t> Sweep::rising() const {
  std::vector<std::uint64_t> out;
  if (!active_) return out;
  for (const auto& p : by_mailbox_.peek())
    if (p.message_queue_len > 0) out.push_back(p.key);
  for (const auto& p : early_.peek())
    if (std::find(out.begin(), out.end(), p.key) == out.end()) out.push_back(p.key);
  return out;
}

bool Sweep::end(std::int64_t now_us) {
  if (!active_) return false;
  active_ = false;

  SweepResult r;
  r.top_mailbox = by_mailbox_.take_sorted();
  r.growing = by_growth_.take_sorted();
  // Union of the rankings, mailbox first so the order is useful; entries
  // that rank on nothing stay out (see SweepResult::hot).
  std::unordered_set<std::uint64_t> seen;
  auto merge = [&](const std::vector<SweptProcess>& ranking, auto ranks) {
    for (const auto& p : ranking)
      if (ranks(p) && seen.insert(p.key).second) r.hot.push_back(p);
  };
  if (full_) {
    r.top_reds = by_reds_.take_sorted();
    r.top_heap = by_heap_.take_sorted();
    r.heap_floor = heap_min_ == UINT64_MAX ? 0 : heap_min_;
  } else {
    // The fast tier read no reductions nor heap: keep the slow tier's.
    r.top_reds = last_.top_reds;
    r.top_heap = last_.top_heap;
    r.heap_floor = last_.heap_floor;
  }
  const std::uint64_t heap_floor = r.heap_floor;
  merge(r.top_mailbox, [](const SweptProcess& p) { return p.message_queue_len > 0; });
  merge(r.growing, [](const SweptProcess&) { return true; });
  merge(r.top_reds, [](const SweptProcess& p) { return p.reductions_delta > 0; });
  merge(r.top_heap, [heap_floor](const SweptProcess& p) { return p.heap_words > heap_floor; });

  r.histogram = histogram_;
  r.processes = processes_;
  if (count_apps_) {
    r.apps = std::move(apps_);
  } else {
    r.apps = last_.apps;  // the slower tier: keep the last counted totals
  }
  apps_.clear();
  r.duration_us = static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_us - begin_us_));
  r.sweeps_total = last_.sweeps_total + 1;
  r.sweep_period_us =
      prev_begin_us_ < 0 ? 0 : static_cast<std::uint64_t>(std::max<std::int64_t>(0, begin_us_ - prev_begin_us_));
  prev_begin_us_ = begin_us_;
  if (full_) {
    r.period_us =
        have_prev_full_ ? static_cast<std::uint64_t>(std::max<std::int64_t>(0, begin_us_ - prev_full_begin_us_)) : 0;
    if (!have_prev_full_) {
      // No previous counts: a delta would be the lifetime total, not a rate.
      for (auto& p : r.hot) p.reductions_delta = 0;
      for (auto& p : r.top_reds) p.reductions_delta = 0;
    }
    prev_full_begin_us_ = begin_us_;
    have_prev_full_ = true;
  } else {
    r.period_us = last_.period_us;
  }
  last_ = std::move(r);
  // This sweep's table becomes the history (and what pages are over).
  SweepTable& t = *cur_;
  t.ended_us = now_us;
  if (full_) slow_ended_us_ = now_us;
  if (gc_) gc_ended_us_ = now_us;
  t.slow_ended_us = slow_ended_us_;
  t.gc_ended_us = gc_ended_us_;
  t.sweep_period_us = last_.sweep_period_us;
  t.slow_period_us = last_.period_us;
  t.rates_known = last_.period_us > 0;
  // The old history's storage is reused for the next sweep unless a page
  // query still holds it (then a fresh table, sized by the next grow()).
  std::shared_ptr<SweepTable> old = std::move(prev_);
  prev_ = std::move(cur_);
  if (old.use_count() == 1) {
    old->clear();
    cur_ = std::move(old);
  } else {
    cur_ = std::make_shared<SweepTable>();
  }
  // Sized like the table just completed: reserving an empty vector copies
  // nothing (one allocation, its pages touched as the next sweep fills it).
  const std::size_t want = std::max(prev_->entries.capacity(), prev_->entries.size() + prev_->entries.size() / 8);
  if (cur_->entries.capacity() < want) cur_->entries.reserve(want);
  if (cur_->cols.capacity() < want) cur_->cols.reserve(want);
  last_matched_ = matched_;
  return true;
}

std::size_t Sweep::bytes() const {
  const auto vec = [](const std::vector<SweptProcess>& v) { return v.capacity() * sizeof(SweptProcess); };
  return sizeof(*this) + table_bytes() + names_.bytes() + vec(last_.hot) + vec(last_.top_mailbox) + vec(last_.growing) +
         vec(last_.top_reds) + vec(last_.top_heap) +
         (last_.apps.capacity() + apps_.capacity()) * sizeof(AppTotals) +
         pids_.bytes();
}

}  // namespace beamscope::agent
