// Children pages handed from the stream clients' threads to the frame loop:
// a small locked queue, bounded (a flood of answers drops the oldest and
// counts it; the pager then asks again after its timeout).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "beamscope.pb.h"

namespace beamscope::gui {

class PageInbox {
 public:
  static constexpr std::size_t kCapacity = 64;

  /// Any thread.
  void push(std::string node, v1::ChildrenPage page) {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kCapacity) {
      queue_.pop_front();
      ++dropped_;
    }
    queue_.emplace_back(std::move(node), std::move(page));
  }

  /// The frame loop: everything received since the last call.
  std::vector<std::pair<std::string, v1::ChildrenPage>> take() {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<std::string, v1::ChildrenPage>> out(std::make_move_iterator(queue_.begin()),
                                                              std::make_move_iterator(queue_.end()));
    queue_.clear();
    return out;
  }

  std::uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }

 private:
  mutable std::mutex mutex_;
  std::deque<std::pair<std::string, v1::ChildrenPage>> queue_;
  std::uint64_t dropped_ = 0;
};

}  // namespace beamscope::gui
