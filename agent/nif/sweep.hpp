// Aggregation of one sweep of the process table, fed in chunks: the
// mailbox histogram, reductions since the previous sweep, and the top-K by
// mailbox, by reductions delta and by total heap, whose union is the hot
// set. Knows nothing of erl_nif: a process is its pid's term value (a
// stable immediate while the process lives).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "pid_table.hpp"

namespace beamscope::agent {

/// Mailbox lengths across every process. Bucket i counts processes with
/// bounds[i-1] < len <= bounds[i]; the rest is overflow (proto's layout).
struct MailboxHistogram {
  static constexpr std::array<std::uint64_t, 8> kBounds{0, 1, 10, 100, 1000, 10000, 100000, 1000000};
  std::array<std::uint64_t, kBounds.size()> counts{};
  std::uint64_t overflow = 0;
  std::uint64_t sum = 0;
  std::uint64_t count = 0;

  void add(std::uint64_t len);
};

/// What the sweep knows of one process.
struct SweptProcess {
  std::uint64_t key = 0;  // pid term
  std::uint64_t message_queue_len = 0;
  std::uint64_t reductions = 0;
  std::uint64_t reductions_delta = 0;  // since the previous sweep
  std::uint64_t total_heap_words = 0;
};

/// A complete sweep, kept until the next one ends.
struct SweepResult {
  std::vector<SweptProcess> hot;        // union of the rankings, by mailbox desc
  std::vector<SweptProcess> top_mailbox;  // ranking by mailbox, desc
  MailboxHistogram histogram;
  std::uint64_t processes = 0;
  std::uint64_t duration_us = 0;   // sweep_begin to sweep_end (wall)
  std::uint64_t period_us = 0;     // since the previous sweep began; 0 at first
  std::uint64_t sweeps_total = 0;
  /// Reductions per second of `key` over the last period, 0 when unknown.
  std::uint64_t rate_per_s(const SweptProcess& p) const;
};

/// The K largest by one value, kept as a min-heap of K entries: O(log K)
/// per process that beats the current minimum, O(1) for the rest.
class TopK {
 public:
  using Value = std::uint64_t SweptProcess::*;
  TopK(Value by, std::size_t k) : by_(by), k_(k) {}
  void reset(std::size_t k);
  void offer(const SweptProcess& p);
  /// Descending by value, ties by key; empties the heap.
  std::vector<SweptProcess> take_sorted();

 private:
  bool greater(const SweptProcess& a, const SweptProcess& b) const;
  Value by_;
  std::size_t k_;
  std::vector<SweptProcess> heap_;
};

class Sweep {
 public:
  explicit Sweep(std::size_t top_k);

  /// Starts a sweep (an unfinished one is discarded). `now_us`: a monotonic clock.
  void begin(std::int64_t now_us);
  /// Adds one process of the current sweep; ignored outside a sweep.
  void add(std::uint64_t key, std::uint64_t mqlen, std::uint64_t reds, std::uint64_t heap_words);
  /// Ends the sweep; false when none was begun.
  bool end(std::int64_t now_us);

  bool active() const { return active_; }
  const SweepResult& last() const { return last_; }
  /// Bytes held (tables and vectors), for the agent's memory report.
  std::size_t bytes() const;

 private:
  std::size_t top_k_;
  bool active_ = false;
  std::int64_t begin_us_ = 0;
  std::int64_t prev_begin_us_ = 0;
  bool have_prev_ = false;
  PidTable prev_reds_;  // previous complete sweep
  PidTable cur_reds_;   // this sweep so far
  TopK by_mailbox_;
  TopK by_reds_;
  TopK by_heap_;
  MailboxHistogram histogram_;
  std::uint64_t processes_ = 0;
  SweepResult last_;
};

}  // namespace beamscope::agent
