// What the agent remembers of every process between sweeps, in 16 bytes a
// slot: a flat open-addressing table (linear probing, Fibonacci hash) from
// a local pid's term value to its reductions (low 32 bits), its mailbox at
// the last visit, a growth streak and the sweep epoch that last saw it.
// No per-entry allocation, O(1) lookups, and nothing O(N) inside a normal
// NIF call: entries of dead processes are purged a few slots at a time
// (purge_step), and growing the table (grow) is meant for a dirty
// scheduler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace beamscope::agent {

struct PidEntry {
  std::uint64_t key = 0;     // pid term; 0: empty slot
  std::uint32_t reds = 0;    // reductions mod 2^32 (deltas are taken mod 2^32)
  std::uint32_t meta = 0;    // epoch:2 | streak:2 | mailbox:28 (saturated)

  static constexpr std::uint32_t kMaxMailbox = (1u << 28) - 1;
  unsigned epoch() const { return meta & 3u; }
  unsigned streak() const { return (meta >> 2) & 3u; }
  std::uint32_t mailbox() const { return meta >> 4; }
  void set(unsigned epoch, unsigned streak, std::uint64_t mailbox) {
    const std::uint32_t mq = mailbox > kMaxMailbox ? kMaxMailbox : static_cast<std::uint32_t>(mailbox);
    meta = (epoch & 3u) | ((streak & 3u) << 2) | (mq << 4);
  }
};
static_assert(sizeof(PidEntry) == 16);

class PidTable {
 public:
  /// The most a table may be filled: inserts beyond it are refused
  /// (find_or_insert returns nullptr) until grow() makes room.
  static constexpr std::size_t kMaxLoadNum = 7, kMaxLoadDen = 8;

  /// The entry of `key`, inserted empty (reds 0, meta 0) when absent;
  /// `inserted` says which. nullptr when the table is full (see grow).
  PidEntry* find_or_insert(std::uint64_t key, bool& inserted);
  const PidEntry* find(std::uint64_t key) const;

  /// True when the table holds more than 3/4 of its slots: time to grow().
  bool wants_growth(std::size_t expected) const;
  /// Rehashes to fit `expected` entries at load <= 1/2. O(N): dirty scheduler.
  void grow(std::size_t expected);

  /// Scans up to `slots` slots from the purge cursor and removes entries
  /// whose epoch is in `dead_mask` (bit e set: epoch e is dead), by
  /// backward-shift deletion (no tombstones). Returns the number removed.
  /// Wraps around to 0 at the end.
  std::size_t purge_step(unsigned dead_mask, std::size_t slots);
  void restart_purge() { purge_cursor_ = 0; }

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return slots_.size(); }
  std::size_t bytes() const { return slots_.capacity() * sizeof(PidEntry); }

 private:
  std::size_t index(std::uint64_t key) const;
  void erase_at(std::size_t i);

  std::vector<PidEntry> slots_;
  std::size_t size_ = 0;
  std::size_t purge_cursor_ = 0;
};

}  // namespace beamscope::agent
