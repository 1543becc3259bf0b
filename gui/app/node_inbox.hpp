// What the stream clients' threads hand the frame loop per node: a node's
// History (its recent past, sent after its keyframe), why a node left.
// Bounded: one per node is enough (a newer one replaces it); past
// kCapacity nodes waiting, new ones are dropped and counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace beamscope::gui {

template <class T, std::size_t Capacity>
class NodeInbox {
 public:
  static constexpr std::size_t kCapacity = Capacity;

  /// Any thread.
  void push(const std::string& node, T value) {
    std::lock_guard lock(mutex_);
    if (waiting_.size() >= kCapacity && !waiting_.count(node)) {
      ++dropped_;
      return;
    }
    waiting_[node] = std::move(value);
  }

  /// The frame loop: everything received since the last call.
  std::map<std::string, T> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(waiting_, {});
  }

  std::uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, T> waiting_;
  std::uint64_t dropped_ = 0;
};

}  // namespace beamscope::gui
