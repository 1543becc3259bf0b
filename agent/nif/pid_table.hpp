// A flat open-addressing map from a local pid's term value to its
// reductions at the previous sweep. 16 bytes a slot at load <= 3/4, no
// per-entry allocation, O(1) lookups: lets a sweep chunk compute rates
// without sorting the whole process table inside one NIF call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace beamscope::agent {

class PidTable {
 public:
  /// Makes room for `n` entries without growing (grows past that anyway).
  void reserve(std::size_t n);
  /// Inserts or overwrites. `key` must not be 0 (pid terms never are).
  void put(std::uint64_t key, std::uint64_t value);
  /// Value of `key`, or nullptr.
  const std::uint64_t* find(std::uint64_t key) const;

  void clear();
  std::size_t size() const { return size_; }
  std::size_t bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    std::uint64_t key = 0;  // 0: empty
    std::uint64_t value = 0;
  };
  std::size_t index(std::uint64_t key) const;
  void rehash(std::size_t capacity);

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace beamscope::agent
