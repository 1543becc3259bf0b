// The recording's past on a worker thread; see replay_history.hpp.
#include "replay_history.hpp"

#include <utility>

namespace beamscope::gui {

std::unique_ptr<ReplayHistory> ReplayHistory::open(const std::string& path, std::string& error) {
  auto reader = recording::Reader::open(path, error);
  if (!reader) return nullptr;
  return std::unique_ptr<ReplayHistory>(new ReplayHistory(std::move(reader)));
}

ReplayHistory::ReplayHistory(std::unique_ptr<recording::Reader> reader)
    : reader_(std::move(reader)), index_(*reader_), thread_([this] { run(); }) {}

ReplayHistory::~ReplayHistory() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ReplayHistory::ask(std::int64_t t_us) {
  {
    std::lock_guard lock(mu_);
    asked_us_ = t_us;
    ++asked_;
    answer_.reset();
  }
  cv_.notify_all();
}

std::optional<std::map<std::string, v1::History>> ReplayHistory::take() {
  std::lock_guard lock(mu_);
  if (!answer_) return std::nullopt;
  taken_ = answered_;
  return std::exchange(answer_, std::nullopt);
}

bool ReplayHistory::pending() const {
  std::lock_guard lock(mu_);
  return taken_ != asked_;
}

void ReplayHistory::on_ready(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  wake_ = std::move(wake);
}

bool ReplayHistory::index_for(std::uint64_t gen, std::int64_t from_us, std::int64_t to_us) {
  // Newest first, checking between segments: a person scrubbing moves on
  // before an hour is decoded, and the new ask wins.
  for (std::size_t seg : index_.missing(from_us, to_us)) {
    {
      std::lock_guard lock(mu_);
      if (stop_ || asked_ != gen) return false;
    }
    index_.add(seg, from_us, to_us);
  }
  return true;
}

void ReplayHistory::run() {
  for (;;) {
    std::uint64_t gen = 0;
    std::int64_t t_us = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || asked_ != answered_; });
      if (stop_) return;
      gen = asked_;
      t_us = asked_us_;
    }
    const std::int64_t from_us = t_us - kWindowUs + 1;
    if (!index_for(gen, from_us, t_us)) continue;
    auto histories = index_.histories(from_us, t_us);
    std::function<void()> wake;
    {
      std::lock_guard lock(mu_);
      if (asked_ != gen) continue;
      answer_ = std::move(histories);
      answered_ = gen;
      wake = wake_;
    }
    if (wake) wake();
  }
}

}  // namespace beamscope::gui
