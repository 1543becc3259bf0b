// A recording's past for the charts (issue 15): after a seek, every node's
// History over the charts' window before the time shown, handed to the
// model as a live server's History is (the charts start full). Built on a
// worker thread with its own reader (recording::HistoryIndex): decoding an
// hour of a fleet takes seconds of CPU, and a seek must stay within 100 ms;
// segments decoded once are kept, so scrubbing back and forth is cheap.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "beamscope.pb.h"
#include "beamscope/recording/history_index.hpp"
#include "node_history.hpp"

namespace beamscope::gui {

class ReplayHistory {
 public:
  /// The charts keep an hour at the agent's 1 s tick (NodeHistory's
  /// capacity, the Overview's widest window): a seek fills as much.
  static constexpr std::int64_t kWindowUs = static_cast<std::int64_t>(NodeHistory::kDefaultCapacity) * 1'000'000;

  /// nullptr and `error` set when `path` cannot be opened.
  static std::unique_ptr<ReplayHistory> open(const std::string& path, std::string& error);
  ~ReplayHistory();

  /// Asks for the past up to `t_us`: the ticks in (t_us - kWindowUs,
  /// t_us]. A newer ask replaces an unanswered one.
  void ask(std::int64_t t_us);
  /// The answer to the latest ask, once it is ready (then nullopt again).
  std::optional<std::map<std::string, v1::History>> take();
  /// True from an ask until its answer is taken.
  bool pending() const;
  /// Called from the worker when an answer is ready (wakes the frame loop).
  void on_ready(std::function<void()> wake);

  ReplayHistory(const ReplayHistory&) = delete;
  ReplayHistory& operator=(const ReplayHistory&) = delete;

 private:
  explicit ReplayHistory(std::unique_ptr<recording::Reader> reader);
  void run();
  // Indexes what the ask `gen` needs; false when a newer ask or stop came first.
  bool index_for(std::uint64_t gen, std::int64_t from_us, std::int64_t to_us);

  std::unique_ptr<recording::Reader> reader_;  // the worker's only
  recording::HistoryIndex index_;              // the worker's only
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::int64_t asked_us_ = 0;
  std::uint64_t asked_ = 0, answered_ = 0, taken_ = 0;  // ask generations
  std::optional<std::map<std::string, v1::History>> answer_;
  std::function<void()> wake_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the rest is built
};

}  // namespace beamscope::gui
