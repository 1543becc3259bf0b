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
  const unsigned shift = 64 - static_cast<unsigned>(std::countr_zero(slots_.size()));
  return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift);
}

bool PidTable::wants_growth(std::size_t expected) const {
  const std::size_t n = std::max(expected, size_);
  return slots_.empty() || n * 4 > slots_.size() * 3;
}

void PidTable::grow(std::size_t expected) {
  const std::size_t want = std::bit_ceil(std::max({kMinCapacity, expected * 2, size_ * 2}));
  if (want <= slots_.size()) return;
  std::vector<PidEntry> old;
  old.swap(slots_);
  slots_.assign(want, PidEntry{});
  const std::size_t mask = want - 1;
  for (const PidEntry& e : old) {
    if (e.key == 0) continue;
    std::size_t i = index(e.key);
    while (slots_[i].key != 0) i = (i + 1) & mask;
    slots_[i] = e;
  }
  purge_cursor_ = 0;
}

PidEntry* PidTable::find_or_insert(std::uint64_t key, bool& inserted) {
  inserted = false;
  if (slots_.empty() || key == 0) return nullptr;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = index(key);; i = (i + 1) & mask) {
    PidEntry& e = slots_[i];
    if (e.key == key) return &e;
    if (e.key == 0) {
      // Refuse rather than rehash here: a rehash is O(N), too long for a
      // normal scheduler. The caller counts it and asks for grow().
      if ((size_ + 1) * kMaxLoadDen > slots_.size() * kMaxLoadNum) return nullptr;
      e = PidEntry{key, 0, 0};
      ++size_;
      inserted = true;
      return &e;
    }
  }
}

const PidEntry* PidTable::find(std::uint64_t key) const {
  if (slots_.empty() || key == 0) return nullptr;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = index(key);; i = (i + 1) & mask) {
    const PidEntry& e = slots_[i];
    if (e.key == key) return &e;
    if (e.key == 0) return nullptr;
  }
}

// Backward-shift deletion: later entries of the same probe run move back
// into the hole, so lookups never need tombstones.
void PidTable::erase_at(std::size_t i) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t hole = i;
  for (std::size_t j = (i + 1) & mask; slots_[j].key != 0; j = (j + 1) & mask) {
    const std::size_t home = index(slots_[j].key);
    // Move j into the hole unless its home lies cyclically in (hole, j].
    const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!stays) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = PidEntry{};
  --size_;
}

std::size_t PidTable::purge_step(unsigned dead_mask, std::size_t slots) {
  if (slots_.empty()) return 0;
  std::size_t removed = 0;
  for (std::size_t n = 0; n < slots; ++n) {
    if (purge_cursor_ >= slots_.size()) purge_cursor_ = 0;
    PidEntry& e = slots_[purge_cursor_];
    if (e.key != 0 && ((dead_mask >> e.epoch()) & 1u) != 0) {
      // The slot now holds a shifted entry (or nothing): look at it again.
      erase_at(purge_cursor_);
      ++removed;
      continue;
    }
    ++purge_cursor_;
  }
  return removed;
}

}  // namespace beamscope::agent
