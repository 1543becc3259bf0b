// Fixed-capacity history of samples: the newest overwrites the oldest.
// Charts read it oldest-first; its memory never grows past the capacity.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace beamscope::gui {

template <typename T>
class RingBuffer {
 public:
  explicit RingBuffer(std::size_t capacity) : data_(capacity == 0 ? 1 : capacity) {}

  void push(const T& v) {
    data_[head_] = v;
    head_ = (head_ + 1) % data_.size();
    if (size_ < data_.size()) ++size_;
  }

  void clear() {
    head_ = 0;
    size_ = 0;
  }

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return data_.size(); }
  bool empty() const { return size_ == 0; }

  /// i = 0 is the oldest kept sample, size()-1 the newest.
  const T& operator[](std::size_t i) const { return data_[(head_ + data_.size() - size_ + i) % data_.size()]; }
  const T& back() const { return (*this)[size_ - 1]; }

  /// The newest `n` samples (or fewer), oldest first, e.g. for a chart window.
  void copy_last(std::size_t n, std::vector<T>& out) const {
    n = std::min(n, size_);
    out.resize(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = (*this)[size_ - n + i];
  }

 private:
  std::vector<T> data_;
  std::size_t head_ = 0;  // next slot to write
  std::size_t size_ = 0;
};

}  // namespace beamscope::gui
