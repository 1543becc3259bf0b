#include "pid_table.hpp"

#include <algorithm>
#include <bit>

namespace beamscope::agent {

namespace {
constexpr std::size_t kMinCapacity = 1024;
}

// Pid terms differ mostly in their middle bits (low bits are a tag):
// Fibonacci hashing spreads them over the table.
std::size_t PidTable::index(std::uint64_t key) const {
  const unsigned shift = 64 - std::countr_zero(slots_.size());
  return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift);
}

void PidTable::reserve(std::size_t n) {
  const std::size_t want = std::bit_ceil(std::max(kMinCapacity, n * 4 / 3 + 1));
  if (want > slots_.size()) rehash(want);
}

void PidTable::rehash(std::size_t capacity) {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(capacity, Slot{});
  size_ = 0;
  for (const Slot& s : old)
    if (s.key != 0) put(s.key, s.value);
}

void PidTable::put(std::uint64_t key, std::uint64_t value) {
  // Load at most 3/4: linear probing stays short with a mixing hash, and
  // memory stays near 21-43 bytes a process.
  if ((size_ + 1) * 4 > slots_.size() * 3) rehash(std::max(kMinCapacity, slots_.size() * 2));
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = index(key);; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.key == key) {
      s.value = value;
      return;
    }
    if (s.key == 0) {
      s = Slot{key, value};
      ++size_;
      return;
    }
  }
}

const std::uint64_t* PidTable::find(std::uint64_t key) const {
  if (slots_.empty()) return nullptr;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = index(key);; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.key == key) return &s.value;
    if (s.key == 0) return nullptr;
  }
}

void PidTable::clear() {
  // Keep the capacity: the next sweep has about as many processes.
  std::fill(slots_.begin(), slots_.end(), Slot{});
  size_ = 0;
}

}  // namespace beamscope::agent
