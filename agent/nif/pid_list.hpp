// The sweep's list of pids (erlang:processes/0 order, as pid term values),
// held here so no Erlang process holds it, and handed out in chunks. Pids
// the last complete sweep did not see (new processes, found by a merge-join
// against its history: O(N), sequential) are handed out first, so a process
// spawned after a sweep took its list is read at the start of the next
// sweep, not wherever the process table put it. At most max(kMinFresh,
// N / kFreshShareDiv) of them; none on the first sweep. Sweep (sweep.hpp)
// aggregates what the chunks read; this only orders and hands out pids.
// Knows nothing of erl_nif.
#pragma once

#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

#include "pid_entry.hpp"

namespace beamscope::agent {

/// Pids the last sweep did not see are read once more, ahead of the list,
/// up to this share of it (and at least kMinFresh).
inline constexpr std::size_t kFreshShareDiv = 8;
inline constexpr std::size_t kMinFresh = 1024;

class PidList {
 public:
  /// Makes `keys` the list; the fresh pids are those `history` (the last
  /// complete sweep, in its order) does not hold.
  void load(std::vector<std::uint64_t>&& keys, const std::vector<PidEntry>& history);
  /// The list, emptied but with its capacity, for the caller to decode the
  /// next list into and load (no fresh 8 MB allocation and page faults at
  /// 1M); nothing is left to hand out after this.
  std::vector<std::uint64_t> take();
  /// Builds the next list in parts (OTP 28+: the loader pages through
  /// erlang:processes_next/1, so no Erlang heap holds the whole list): the
  /// first part after a load starts it in the old list's buffer;
  /// load_staged() then loads it like load(). Returns its length.
  void stage(const std::vector<std::uint64_t>& keys);
  std::size_t load_staged(const std::vector<PidEntry>& history);

  /// Makes the next up to `n` keys the chunk (chunk()): the fresh pids
  /// first, then the list; notes `thread_cpu_ns`, the calling thread's CPU
  /// clock; true when both are exhausted.
  bool next_chunk(std::size_t n, std::uint64_t thread_cpu_ns);
  /// The pids last handed out, which the caller's process_info/2 results
  /// come back in the order of.
  const std::vector<std::uint64_t>& chunk() const { return chunk_; }
  /// Whether the chunk is of fresh pids (read ahead of the list).
  bool chunk_is_fresh() const { return chunk_fresh_; }
  /// CPU time since next_chunk() when called on the thread that called it
  /// (its clock `thread_cpu_ns`); nothing when the thread differs.
  std::optional<std::uint64_t> chunk_cpu_ns(std::uint64_t thread_cpu_ns) const;
  void clear_chunk() { chunk_.clear(); }

  /// Fresh pids of the list loaded.
  std::size_t fresh() const { return fresh_.size(); }
  std::size_t size() const { return pids_.size(); }
  std::size_t bytes() const {
    return (pids_.capacity() + staging_.capacity() + fresh_.capacity() + chunk_.capacity()) * sizeof(std::uint64_t);
  }

 private:
  std::vector<std::uint64_t> pids_;  // 8 B a process; capacity kept between sweeps
  std::size_t pids_next_ = 0;
  std::vector<std::uint64_t> staging_;  // the next list, in parts (stage)
  bool staging_open_ = false;
  std::vector<std::uint64_t> fresh_;  // not seen by the last sweep: handed out first
  std::size_t fresh_next_ = 0;
  std::vector<std::uint64_t> chunk_;  // handed out by next_chunk(), not yet read back
  bool chunk_fresh_ = false;
  std::thread::id chunk_thread_;
  std::uint64_t chunk_cpu_ns_ = 0;
};

}  // namespace beamscope::agent
