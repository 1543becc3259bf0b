// What the agent remembers of one process between sweeps, in 16 bytes: its
// pid's term value, its reductions (low 32 bits), its mailbox at the last
// visit, a growth streak and the sweep epoch that last saw it. Sweeps keep
// these in `processes()` order (see sweep.hpp), so the next sweep finds
// them by a sequential merge-join rather than by hashing.
#pragma once

#include <cstdint>

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

}  // namespace beamscope::agent
