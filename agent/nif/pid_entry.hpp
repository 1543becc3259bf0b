// What the agent remembers of one process between sweeps, in 16 bytes: its
// pid's term value, its reductions (low 32 bits), its mailbox at the last
// visit, a growth streak and the sweep epoch that last saw it. Sweeps keep
// these in `processes()` order (see sweep.hpp), so the next sweep finds
// them by a sequential merge-join (HistoryCursor) rather than by hashing.
#pragma once

#include <algorithm>
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

/// The merge-join's look-ahead: a pid is searched this far past the
/// cursor (entries skipped over are processes that died), then, after
/// kResyncAfter misses in a row, once this far (kResyncScan).
inline constexpr std::size_t kLookAhead = 64;
inline constexpr std::size_t kResyncAfter = 32;
inline constexpr std::size_t kResyncScan = 16384;

/// A merge-join position in a sweep-ordered history.
class HistoryCursor {
 public:
  /// The entry of `key` in `history`, searched from the cursor: pids come
  /// in the same order as last time, so it is usually the very next entry.
  const PidEntry* find(const std::vector<PidEntry>& history, std::uint64_t key) {
    const std::size_t n = history.size();
    const std::size_t scan = misses_ >= resync_after_ ? kResyncScan : kLookAhead;
    const std::size_t end = std::min(n, cursor_ + scan);
    for (std::size_t i = cursor_; i < end; ++i) {
      if (history[i].key == key) {
        cursor_ = i + 1;  // entries skipped over are processes that died
        misses_ = 0;
        resync_after_ = kResyncAfter;
        return &history[i];
      }
    }
    // A new process (or one far ahead: a long run of dead ones). After a
    // failed long scan, wait twice as long before the next one.
    if (scan == kResyncScan) resync_after_ = std::min<std::size_t>(resync_after_ * 2, 1u << 20);
    ++misses_;
    return nullptr;
  }

 private:
  std::size_t cursor_ = 0;
  std::size_t misses_ = 0;  // in a row
  std::size_t resync_after_ = kResyncAfter;
};

}  // namespace beamscope::agent
