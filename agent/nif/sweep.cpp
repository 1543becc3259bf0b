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
      by_heap_(&SweptProcess::total_heap_words, top_k) {}

void Sweep::begin(std::int64_t now_us) {
  active_ = true;
  begin_us_ = now_us;
  cur_reds_.clear();
  // Sized after the previous sweep so that chunks rarely rehash.
  cur_reds_.reserve(prev_reds_.size() + prev_reds_.size() / 8);
  by_mailbox_.reset(top_k_);
  by_reds_.reset(top_k_);
  by_heap_.reset(top_k_);
  histogram_ = {};
  processes_ = 0;
}

void Sweep::add(std::uint64_t key, std::uint64_t mqlen, std::uint64_t reds, std::uint64_t heap_words) {
  if (!active_ || key == 0) return;
  SweptProcess p{key, mqlen, reds, reds, heap_words};
  // A process new since the last sweep did all its reductions in the
  // period; a lower count than before means the pid was reused.
  if (const std::uint64_t* before = prev_reds_.find(key); before != nullptr && *before <= reds)
    p.reductions_delta = reds - *before;
  cur_reds_.put(key, reds);
  histogram_.add(mqlen);
  ++processes_;
  by_mailbox_.offer(p);
  by_reds_.offer(p);
  by_heap_.offer(p);
}

bool Sweep::end(std::int64_t now_us) {
  if (!active_) return false;
  active_ = false;

  SweepResult r;
  r.top_mailbox = by_mailbox_.take_sorted();
  // Union of the three rankings, mailbox first so the order is useful.
  std::unordered_set<std::uint64_t> seen;
  for (const auto& p : r.top_mailbox)
    if (seen.insert(p.key).second) r.hot.push_back(p);
  for (const auto& p : by_reds_.take_sorted())
    if (seen.insert(p.key).second) r.hot.push_back(p);
  for (const auto& p : by_heap_.take_sorted())
    if (seen.insert(p.key).second) r.hot.push_back(p);

  r.histogram = histogram_;
  r.processes = processes_;
  r.duration_us = static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_us - begin_us_));
  r.period_us = have_prev_ ? static_cast<std::uint64_t>(std::max<std::int64_t>(0, begin_us_ - prev_begin_us_)) : 0;
  r.sweeps_total = last_.sweeps_total + 1;
  if (!have_prev_) {
    // No previous counts: a delta would be the lifetime total, not a rate.
    for (auto& p : r.hot) p.reductions_delta = 0;
  }
  last_ = std::move(r);

  // The old table is cleared by the next begin(), not twice.
  std::swap(prev_reds_, cur_reds_);
  prev_begin_us_ = begin_us_;
  have_prev_ = true;
  return true;
}

std::size_t Sweep::bytes() const {
  return sizeof(*this) + prev_reds_.bytes() + cur_reds_.bytes() +
         (last_.hot.capacity() + last_.top_mailbox.capacity()) * sizeof(SweptProcess);
}

}  // namespace beamscope::agent
