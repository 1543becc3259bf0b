#include "sweep.hpp"

#include <algorithm>
#include <unordered_set>

namespace beamscope::agent {

void MailboxHistogram::add(std::uint64_t len) {
  ++count;
  sum += len;
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
  // heap_ is a min-heap under greater(): front() is the weakest kept.
  auto cmp = [this](const SweptProcess& a, const SweptProcess& b) { return greater(a, b); };
  if (heap_.size() < k_) {
    heap_.push_back(p);
    std::push_heap(heap_.begin(), heap_.end(), cmp);
  } else if (k_ > 0 && greater(p, heap_.front())) {
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
      by_growth_(&SweptProcess::mailbox_growth, top_k) {}

void Sweep::begin(std::int64_t now_us, std::vector<std::pair<std::uint64_t, std::string>> masters) {
  // O(1) apart from the few applications: the table is not cleared, its
  // dead entries are purged chunk by chunk (purge_step).
  active_ = true;
  epoch_ = (epoch_ + 1) & 3u;
  begin_us_ = now_us;
  table_.restart_purge();
  by_mailbox_.reset(top_k_);
  by_reds_.reset(top_k_);
  by_heap_.reset(top_k_);
  by_growth_.reset(top_k_);
  histogram_ = {};
  processes_ = 0;
  app_index_.clear();
  apps_.clear();
  count_apps_ = !masters.empty();
  for (auto& [key, name] : masters) {
    if (apps_.size() >= kMaxApps) break;
    if (app_index_.emplace(key, apps_.size()).second) apps_.push_back(AppTotals{std::move(name), 0, 0, 0, 0});
  }
}

void Sweep::add(std::uint64_t key, std::uint64_t mqlen, std::uint64_t reds, std::uint64_t heap_words,
                std::uint64_t group_leader) {
  if (!active_ || key == 0) return;
  SweptProcess p{key, mqlen, reds, reds, heap_words, 0, 0};
  bool inserted = false;
  if (PidEntry* e = table_.find_or_insert(key, inserted)) {
    const auto reds32 = static_cast<std::uint32_t>(reds);
    const unsigned prev_epoch = (epoch_ + 3) & 3u;
    if (!inserted && e->epoch() == prev_epoch) {
      // Deltas mod 2^32; a "negative" one means the pid was reused.
      const std::uint32_t d = reds32 - e->reds;
      if (d < (1u << 31)) p.reductions_delta = d;
      const std::uint64_t before = e->mailbox();
      const bool grew = std::min<std::uint64_t>(mqlen, PidEntry::kMaxMailbox) > before;
      p.mailbox_growth = grew ? mqlen - before : 0;
      p.growth_streak = grew ? std::min(e->streak() + 1u, 3u) : 0u;
    }
    // A process new since the last sweep did all its reductions in the period.
    e->reds = reds32;
    e->set(epoch_, static_cast<unsigned>(p.growth_streak), mqlen);
  } else {
    // Not tracked (table full until grow()): no history, so no delta.
    p.reductions_delta = 0;
    ++untracked_total_;
  }
  histogram_.add(mqlen);
  ++processes_;
  by_mailbox_.offer(p);
  by_reds_.offer(p);
  by_heap_.offer(p);
  if (p.growth_streak >= 2 && mqlen >= kGrowthMinMailbox) by_growth_.offer(p);
  if (count_apps_ && group_leader != 0) {
    if (auto it = app_index_.find(group_leader); it != app_index_.end()) {
      AppTotals& a = apps_[it->second];
      ++a.processes;
      a.heap_words += heap_words;
      a.mailbox += mqlen;
      a.reductions += reds;
    }
  }
}

void Sweep::purge_step(std::size_t slots) {
  // Seen two or three sweeps ago and not since: gone. Entries of the
  // previous sweep (epoch - 1) may still be visited by this one.
  const unsigned dead = (1u << ((epoch_ + 2) & 3u)) | (1u << ((epoch_ + 1) & 3u));
  table_.purge_step(dead, slots);
}

std::vector<std::uint64_t> Sweep::rising() const {
  std::vector<std::uint64_t> out;
  if (!active_) return out;
  for (const auto& p : by_mailbox_.peek())
    if (p.message_queue_len > 0) out.push_back(p.key);
  return out;
}

bool Sweep::end(std::int64_t now_us) {
  if (!active_) return false;
  active_ = false;

  SweepResult r;
  r.top_mailbox = by_mailbox_.take_sorted();
  r.growing = by_growth_.take_sorted();
  // Union of the rankings, mailbox first so the order is useful.
  std::unordered_set<std::uint64_t> seen;
  auto merge = [&](const std::vector<SweptProcess>& ranking) {
    for (const auto& p : ranking)
      if (seen.insert(p.key).second) r.hot.push_back(p);
  };
  merge(r.top_mailbox);
  merge(r.growing);
  merge(by_reds_.take_sorted());
  merge(by_heap_.take_sorted());

  r.histogram = histogram_;
  r.processes = processes_;
  if (count_apps_) {
    r.apps = std::move(apps_);
  } else {
    r.apps = last_.apps;  // the slower tier: keep the last counted totals
  }
  apps_.clear();
  r.duration_us = static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_us - begin_us_));
  r.period_us = have_prev_ ? static_cast<std::uint64_t>(std::max<std::int64_t>(0, begin_us_ - prev_begin_us_)) : 0;
  r.sweeps_total = last_.sweeps_total + 1;
  if (!have_prev_) {
    // No previous counts: a delta would be the lifetime total, not a rate.
    for (auto& p : r.hot) p.reductions_delta = 0;
  }
  last_ = std::move(r);
  prev_begin_us_ = begin_us_;
  have_prev_ = true;
  return true;
}

std::size_t Sweep::bytes() const {
  const auto vec = [](const std::vector<SweptProcess>& v) { return v.capacity() * sizeof(SweptProcess); };
  return sizeof(*this) + table_.bytes() + vec(last_.hot) + vec(last_.top_mailbox) + vec(last_.growing) +
         (last_.apps.capacity() + apps_.capacity()) * sizeof(AppTotals);
}

}  // namespace beamscope::agent
