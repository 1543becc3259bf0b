// Aggregation of one sweep of the process table, fed in paced chunks: the
// mailbox histogram, reductions since the previous sweep, per-application
// totals, and the top-K by mailbox, by reductions delta, by heap and by
// mailbox growth (processes whose mailbox grew in consecutive sweeps); the
// union of the rankings is the hot set. Everything a viewer sees describes
// one complete sweep: results are swapped in at sweep end. Knows nothing
// of erl_nif: a process is its pid's term value (a stable immediate while
// the process lives).
//
// History between sweeps is kept in sweep order, not in a hash table:
// erlang:processes/0 lists pids in process-table order, which is stable
// for the processes that live on, so the previous sweep's entries are
// found by a merge-join with a cursor (sequential reads; a short look-ahead
// skips dead processes, a miss is a new process). Two tiers: a sweep whose
// items carry only message_queue_len (the fast tier) updates mailboxes and
// growth; one whose items also carry reductions and heap_size (the slow
// tier, every few sweeps) also re-ranks by reductions delta and by heap.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <memory>

#include "pid_entry.hpp"
#include "pid_list.hpp"
#include "proc_table.hpp"

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
  std::uint64_t heap_words = 0;        // young heap (heap_size): the sweep's memory proxy
  std::uint64_t mailbox_growth = 0;    // messages more than at the previous sweep
  std::uint64_t growth_streak = 0;     // consecutive sweeps it grew (0..3)
};

/// What a slow- or gc-tier read adds for the process table (proc_table.hpp).
struct SlowRead {
  std::uint16_t name = 0;       // NameTable id of its registered name or initial call
  bool has_gcs = false;         // the gc tier read garbage_collection
  std::uint32_t minor_gcs = 0;
};

/// Totals of the processes whose group leader is one application master.
struct AppTotals {
  std::string name;
  std::uint64_t processes = 0;
  std::uint64_t heap_words = 0;
  std::uint64_t mailbox = 0;
  std::uint64_t reductions = 0;
};

/// A complete sweep, kept until the next one ends.
struct SweepResult {
  // Union of the rankings, by mailbox desc, without the entries that rank
  // on nothing: an empty mailbox, no reductions since the last slow-tier
  // sweep, a heap as small as the smallest one seen (in a node of idle
  // processes every ranking is full of those, and the hot set is sampled
  // richly every tick at the budget's expense).
  std::vector<SweptProcess> hot;
  std::vector<SweptProcess> top_mailbox;  // ranking by mailbox, desc
  std::vector<SweptProcess> growing;      // growing for >= 2 sweeps, by growth desc
  std::vector<SweptProcess> top_reds;     // last slow-tier sweep's ranking by reductions delta
  std::vector<SweptProcess> top_heap;     // last slow-tier sweep's ranking by heap
  std::vector<AppTotals> apps;            // empty unless the sweep counted applications
  std::uint64_t heap_floor = 0;           // the smallest heap of the last slow-tier sweep
  MailboxHistogram histogram;
  std::uint64_t processes = 0;
  std::uint64_t duration_us = 0;  // sweep_begin to sweep_end (wall)
  std::uint64_t period_us = 0;    // between the last two slow-tier sweeps' beginnings (rates); 0 at first
  std::uint64_t sweep_period_us = 0;  // between the last two sweeps' beginnings (any tier); 0 at first
  std::uint64_t sweeps_total = 0;
  /// Reductions per second of `p` over the last period, 0 when unknown.
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
  /// The entries so far, unordered (the sweep under way).
  const std::vector<SweptProcess>& peek() const { return heap_; }

 private:
  bool greater(const SweptProcess& a, const SweptProcess& b) const;
  Value by_;
  std::size_t k_;
  std::vector<SweptProcess> heap_;
};

/// Mailboxes smaller than this never count as "growing".
inline constexpr std::uint64_t kGrowthMinMailbox = 16;
/// At most this many applications are counted per sweep.
inline constexpr std::size_t kMaxApps = 256;

class Sweep {
 public:
  explicit Sweep(std::size_t top_k);

  /// Starts a sweep (an unfinished one is discarded). `now_us`: a
  /// monotonic clock. `masters`: application master pid keys and names;
  /// empty means this sweep does not count applications. O(apps).
  void begin(std::int64_t now_us, std::vector<std::pair<std::uint64_t, std::string>> masters);
  /// Adds one process of the current sweep; ignored outside a sweep.
  /// `group_leader` is 0 when not read. `full`: reductions and heap were
  /// read (slow tier); otherwise they are ignored.
  void add(std::uint64_t key, std::uint64_t mqlen, std::uint64_t reds, std::uint64_t heap_words,
           std::uint64_t group_leader, bool full = true, const SlowRead& slow = {});
  /// Kept for the NIF's interface: history needs no purge any more.
  void purge_step(std::size_t) {}
  /// Ends the sweep; false when none was begun.
  bool end(std::int64_t now_us);

  /// Whether the history vectors should grow (on a dirty scheduler) to
  /// hold `expected` processes; 0: whether the sweep under way is full.
  bool wants_growth(std::size_t expected) const;
  /// Reserves room for `expected` processes and a margin. O(N): dirty.
  void grow(std::size_t expected);

  bool active() const { return active_; }
  std::uint64_t progress() const { return active_ ? processes_ : 0; }
  const SweepResult& last() const { return last_; }
  /// The sweep under way's top entries by mailbox with a non-empty
  /// mailbox: promoted to the hot set before the sweep ends.
  std::vector<std::uint64_t> rising() const;
  std::size_t tracked() const { return prev_->entries.size(); }
  std::size_t table_bytes() const { return prev_->bytes() + cur_->bytes(); }
  /// The last complete sweep's table, immutable while held: page queries
  /// scan it without the lock (the sweep fills another one).
  std::shared_ptr<const SweepTable> table() const { return prev_; }
  /// Names of processes, interned by the slow tier (caller holds the lock).
  NameTable& names() { return names_; }
  const NameTable& names() const { return names_; }
  /// Application names by id (ProcCols::app); id 0 is "".
  const std::vector<std::string>& app_names() const { return app_names_; }
  /// Whether the sweep under way read minor GCs (the gc tier).
  bool gc_tier() const { return gc_; }
  /// Processes of the last complete sweep whose history was found.
  std::uint64_t history_matched() const { return last_matched_; }
  /// Processes seen but not tracked (vectors full, waiting for grow()).
  std::uint64_t untracked_total() const { return untracked_total_; }
  /// Bytes held (tables and vectors), for the agent's memory report.
  std::size_t bytes() const;

  /// The sweep's pid list and its chunks (pid_list.hpp).
  PidList& pids() { return pids_; }
  const PidList& pids() const { return pids_; }
  /// Loads the next list; its fresh pids are those the last complete
  /// sweep did not see.
  void load_pids(std::vector<std::uint64_t>&& keys) { pids_.load(std::move(keys), prev_->entries); }
  /// Loads the list staged in parts (PidList::stage), the same way.
  std::size_t load_staged() { return pids_.load_staged(prev_->entries); }
  /// A fresh pid's mailbox, read ahead of the list: a candidate for
  /// rising() only (the pass in list order counts the process).
  void add_fresh(std::uint64_t key, std::uint64_t mqlen);

 private:

  std::size_t top_k_;
  bool active_ = false;
  bool full_ = false;  // the sweep under way read reductions and heap
  std::int64_t begin_us_ = 0;
  std::int64_t prev_full_begin_us_ = 0;
  std::int64_t prev_begin_us_ = -1;  // the last complete sweep's; -1: none yet
  bool have_prev_full_ = false;
  // The last complete sweep, in sweep order, shared with page queries; the
  // sweep under way fills cur_, which reuses the storage of the table
  // before unless a page query still holds it.
  std::shared_ptr<SweepTable> prev_ = std::make_shared<SweepTable>();
  std::shared_ptr<SweepTable> cur_ = std::make_shared<SweepTable>();
  bool gc_ = false;  // the sweep under way read minor GCs
  std::int64_t slow_ended_us_ = 0;
  std::int64_t gc_ended_us_ = 0;
  NameTable names_;
  std::vector<std::string> app_names_{std::string()};  // id -> name, at most kMaxApps + 1
  std::unordered_map<std::string, std::uint16_t> app_ids_;
  std::vector<std::uint16_t> app_id_of_;  // apps_ index -> app id
  HistoryCursor cursor_;        // into prev_
  std::uint64_t matched_ = 0;
  std::uint64_t last_matched_ = 0;
  TopK by_mailbox_;
  TopK by_reds_;
  TopK by_heap_;
  TopK by_growth_;
  TopK early_;  // fresh pids by mailbox, read ahead of the list
  MailboxHistogram histogram_;
  std::uint64_t heap_min_ = 0;  // the smallest heap this sweep read (slow tier)
  std::uint64_t processes_ = 0;
  std::uint64_t untracked_total_ = 0;
  std::unordered_map<std::uint64_t, std::size_t> app_index_;  // master key -> apps_ index
  std::vector<AppTotals> apps_;
  bool count_apps_ = false;
  SweepResult last_;
  PidList pids_;
};

}  // namespace beamscope::agent
