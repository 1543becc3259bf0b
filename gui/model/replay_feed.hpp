// `beamscope --replay FILE [--at TIME]`: a recording in the place of the
// stream clients. The fleet's state at the time shown is rebuilt from the
// file (recording::Reader::state_at decodes one segment) and handed to the
// model as a client's snapshots would be. The time moves when the replay
// bar asks (ReplayControl) and, while playing, with the wall clock; a
// decode is at most every kDecodeEveryS, so dragging the slider or playing
// costs a bounded share of a core whatever the frame rate. After a seek
// (and at open) every node's past before the time is built in the
// background (ReplayHistory) and handed over as a live server's History.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "beamscope.pb.h"
#include "beamscope/recording/reader.hpp"
#include "replay_control.hpp"
#include "replay_history.hpp"

namespace beamscope::gui {

class ReplayFeed {
 public:
  static constexpr double kDecodeEveryS = 0.25;

  /// Opens `path` at `at` (parse_time_arg's forms; "" is the end) and
  /// decodes that state. nullptr and `error` set when the file cannot be
  /// read or `at` is no time of it.
  static std::unique_ptr<ReplayFeed> open(const std::string& path, const std::string& at, std::string& error);

  /// The frame loop, every frame: applies the bar's request or the play
  /// clock. Returns true when snapshots() changed.
  bool update(ReplayControl& control, double now_s);
  /// The bar's state at open: the file's span and the time shown.
  ReplayControl control() const;

  /// Every node's state at the time shown.
  const std::vector<std::shared_ptr<const v1::Keyframe>>& snapshots() const { return snapshots_; }
  std::int64_t at_us() const { return at_us_; }

  /// The nodes' History before the time a seek (or the open) showed, once
  /// built, for InspectorModel::receive_history; empty until then, and
  /// after. Only nodes shown at that time.
  std::map<std::string, v1::History> take_histories();
  /// True while the past of the last seek is being built.
  bool history_pending() const { return seek_undecoded_ || history_->pending(); }
  /// `wake` is called (from the worker) when histories are ready.
  void on_history_ready(std::function<void()> wake) { history_->on_ready(std::move(wake)); }

 private:
  void decode(std::int64_t t_us, bool seeked);

  std::unique_ptr<recording::Reader> reader_;
  std::unique_ptr<ReplayHistory> history_;
  std::string path_;
  std::int64_t at_us_ = 0;
  std::vector<std::shared_ptr<const v1::Keyframe>> snapshots_;
  std::string damage_;
  std::int64_t target_us_ = 0;  ///< where the bar or the play clock wants to be
  double decoded_at_s_ = -1e9, played_from_s_ = 0;
  std::int64_t played_from_us_ = 0;
  bool was_playing_ = false;
  bool seek_undecoded_ = false;  ///< a seek waits for the decode bound
};

}  // namespace beamscope::gui
