#include "pid_list.hpp"

#include <algorithm>

namespace beamscope::agent {

void PidList::load(std::vector<std::uint64_t>&& keys, const std::vector<PidEntry>& history) {
  pids_.swap(keys);
  pids_next_ = 0;
  staging_.clear();  // a list staged in part and abandoned (its loader failed)
  staging_open_ = false;
  fresh_.clear();
  fresh_next_ = 0;
  if (history.empty()) return;  // the first sweep: everything is new
  const std::size_t cap = std::max(kMinFresh, pids_.size() / kFreshShareDiv);
  HistoryCursor cursor;
  for (std::uint64_t key : pids_) {
    if (cursor.find(history, key)) continue;
    if (fresh_.size() >= cap) break;
    fresh_.push_back(key);
  }
}

std::vector<std::uint64_t> PidList::take() {
  std::vector<std::uint64_t> out;
  out.swap(pids_);
  pids_next_ = 0;
  out.clear();
  return out;
}

void PidList::stage(const std::vector<std::uint64_t>& keys) {
  if (!staging_open_) {
    staging_ = take();
    staging_open_ = true;
  }
  staging_.insert(staging_.end(), keys.begin(), keys.end());
}

std::size_t PidList::load_staged(const std::vector<PidEntry>& history) {
  load(std::move(staging_), history);
  staging_ = {};
  staging_open_ = false;
  return pids_.size();
}

bool PidList::next_chunk(std::size_t n, std::uint64_t thread_cpu_ns) {
  // A chunk is all fresh pids or all of the list, never both.
  chunk_fresh_ = fresh_next_ < fresh_.size();
  const std::vector<std::uint64_t>& from = chunk_fresh_ ? fresh_ : pids_;
  std::size_t& next = chunk_fresh_ ? fresh_next_ : pids_next_;
  const std::size_t take = std::min(n, from.size() - next);
  const auto first = from.begin() + static_cast<std::ptrdiff_t>(next);
  chunk_.assign(first, first + static_cast<std::ptrdiff_t>(take));
  next += take;
  chunk_thread_ = std::this_thread::get_id();
  chunk_cpu_ns_ = thread_cpu_ns;
  return fresh_next_ >= fresh_.size() && pids_next_ >= pids_.size();
}

std::optional<std::uint64_t> PidList::chunk_cpu_ns(std::uint64_t thread_cpu_ns) const {
  if (std::this_thread::get_id() != chunk_thread_ || thread_cpu_ns < chunk_cpu_ns_ || chunk_cpu_ns_ == 0)
    return std::nullopt;
  return thread_cpu_ns - chunk_cpu_ns_;
}

}  // namespace beamscope::agent
