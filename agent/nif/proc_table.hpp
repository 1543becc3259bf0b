// Every process the sweep knows, as a table that pages of processes are
// sorted and filtered over (protocol 1.3 ProcessesRequest): one complete
// sweep's history entries (pid_entry.hpp) and, at the same index, what the
// slow and gc tiers read of each process (heap, reductions since the slow
// tier before, mailbox growth, minor GCs, application, name). A complete
// sweep's table is immutable and shared: a page query holds it by
// shared_ptr and scans it on a dirty scheduler without the agent's lock,
// while the sweep fills the next one. Names (registered name, else initial
// call) and application names are interned, so a row costs 20 bytes more
// than the history alone. Knows nothing of erl_nif.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pid_entry.hpp"

namespace beamscope::agent {

/// What the tiers read of one process beyond the history entry.
struct ProcCols {
  static constexpr std::uint32_t kUnknownGcs = UINT32_MAX;
  std::uint32_t heap_words = 0;   // slow tier (heap_size), saturating
  std::uint32_t reds_delta = 0;   // slow tier: reductions since the slow-tier sweep before
  std::int32_t growth = 0;        // mailbox change since the previous sweep (any tier)
  std::uint32_t minor_gcs = kUnknownGcs;  // gc tier
  std::uint16_t name = 0;         // NameTable id; 0: not read yet
  std::uint16_t app = 0;          // application id (Sweep's app names); 0: none known
};
static_assert(sizeof(ProcCols) == 20);

/// One sweep, in sweep order: entries[i] and cols[i] describe one process.
struct SweepTable {
  std::vector<PidEntry> entries;
  std::vector<ProcCols> cols;
  std::int64_t ended_us = 0;       // monotonic clock of the sweep's end
  std::int64_t slow_ended_us = 0;  // the last slow-tier sweep's end (0: none yet)
  std::int64_t gc_ended_us = 0;    // the last gc-tier sweep's end (0: none yet)
  std::uint64_t sweep_period_us = 0;  // between the last two sweeps' beginnings (growth/s)
  std::uint64_t slow_period_us = 0;   // between the last two slow-tier beginnings (reductions/s)
  bool rates_known = false;           // reds_delta are deltas (a slow-tier sweep came before)

  void clear() {
    entries.clear();
    cols.clear();
  }
  std::size_t bytes() const { return entries.capacity() * sizeof(PidEntry) + cols.capacity() * sizeof(ProcCols); }
};

/// Interned process names: id 0 is "no name", ids 1.. are names seen, at
/// most kMaxNames (later names read as 0 and are counted).
class NameTable {
 public:
  static constexpr std::size_t kMaxNames = 16384;
  /// The id of `name`, interning it ("" is 0).
  std::uint16_t intern(std::string_view name);
  /// The id cached for a term triple (registered name atom, or M, F and
  /// arity of an initial call): the NIF interns by term, printing a name
  /// only the first time it meets one.
  std::uint16_t cached(std::uint64_t a, std::uint64_t b, std::uint64_t c) const;
  void cache(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint16_t id);
  const std::string& name(std::uint16_t id) const { return id < names_.size() ? names_[id] : names_[0]; }
  std::size_t size() const { return names_.size(); }
  std::uint64_t dropped() const { return dropped_; }
  std::size_t bytes() const;

 private:
  struct Key {
    std::uint64_t a, b, c;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return k.a * 31 + k.b * 1000003 + k.c; }
  };
  std::vector<std::string> names_{std::string()};
  std::unordered_map<std::string, std::uint16_t> ids_;
  std::unordered_map<Key, std::uint16_t, KeyHash> by_term_;
  std::uint64_t dropped_ = 0;
};

/// A page query, resolved against the names under the agent's lock
/// (names_match, app) so the scan needs nothing but the table.
struct PageQuery {
  enum class Key : std::uint8_t { kMailbox, kGrowth, kMemory, kReductions, kMinorGcs, kApplication };
  Key key = Key::kMailbox;
  bool ascending = false;
  bool filter_names = false;
  std::vector<bool> names_match;        // by name id, when filter_names
  bool filter_app = false;
  std::uint16_t app = 0;                // the application id asked for (0: none matches)
  std::vector<std::uint32_t> app_rank;  // by app id: position of its name in name order
  std::uint64_t min_mailbox = 0;
  std::size_t offset = 0;
  std::size_t limit = 100;
};

/// One row of a page: the table's values of one process.
struct PageRow {
  std::uint64_t key = 0;  // pid term
  std::uint64_t mailbox = 0;
  double growth_per_s = 0;
  std::uint64_t heap_words = 0;
  std::uint64_t reds_per_s = 0;
  std::uint32_t minor_gcs = ProcCols::kUnknownGcs;
  std::uint16_t name = 0;
  std::uint16_t app = 0;
  bool slow_known = false;
};

struct PageResult {
  std::size_t total = 0;  // matching processes
  std::vector<PageRow> rows;
};

/// The page: processes of `table` matching `q`, ordered by q.key (ties by
/// pid term), rows [offset, offset + limit). O(N) filter and selection
/// plus O(limit log limit): a dirty scheduler's work at 1M processes.
PageResult query_page(const SweepTable& table, const PageQuery& q);

/// Per-row rates of `table` (0 when unknown).
double growth_per_s(const SweepTable& table, const ProcCols& c);
std::uint64_t reds_per_s(const SweepTable& table, const ProcCols& c);

}  // namespace beamscope::agent
