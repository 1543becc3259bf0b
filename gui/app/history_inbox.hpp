// Histories (a node's recent past, sent after its keyframe) handed from the
// stream clients' threads to the frame loop. Bounded: one per node is
// enough (a newer one replaces it); past kCapacity nodes waiting, new ones
// are dropped and counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "beamscope.pb.h"

namespace beamscope::gui {

class HistoryInbox {
 public:
  static constexpr std::size_t kCapacity = 64;

  /// Any thread.
  void push(const std::string& node, const v1::History& history) {
    std::lock_guard lock(mutex_);
    if (waiting_.size() >= kCapacity && !waiting_.count(node)) {
      ++dropped_;
      return;
    }
    waiting_[node] = history;
  }

  /// The frame loop: everything received since the last call.
  std::map<std::string, v1::History> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(waiting_, {});
  }

  std::uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, v1::History> waiting_;
  std::uint64_t dropped_ = 0;
};

}  // namespace beamscope::gui
