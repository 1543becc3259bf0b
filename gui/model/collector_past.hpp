// The past of a live fleet from the collector serving it (protocol 1.6,
// beamscope-collector --record): while live, the shown node's recorded
// span is asked every kSpanEveryS, so the bar offers to go back only when
// the collector records it (a server that records nothing is asked again
// every kUnrecordedEveryS); once back, every node's state at the time the
// bar asks for (protocol 1.7's every_node, one answer a node; a server
// before 1.7 answers the shown node alone) and the shown node's hour of
// charts before it are asked at most every kMinGapS, one question in
// flight, as ReplayFeed reads a file. No ImGui, no socket: the frame loop sends
// request() and hands back answers.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "beamscope.pb.h"
#include "inspector_model.hpp"
#include "replay_control.hpp"

namespace beamscope::gui {

using StateRequest = NodeRequest<v1::HistoryRequest>;

class CollectorPast {
 public:
  static constexpr double kSpanEveryS = 5.0;
  static constexpr double kUnrecordedEveryS = 60.0;  ///< a server that said it records nothing
  static constexpr double kMinGapS = 0.25;
  static constexpr double kAnswerTimeoutS = 5.0;
  /// Nodes shown back in time at most (a collector's default --max-nodes):
  /// a server that claims more, or sends more, is believed that far.
  static constexpr std::size_t kMaxNodes = 1024;

  /// While live: the node shown and its endpoint. A change forgets the
  /// span of the node before.
  void follow(std::size_t source, const std::string& node);
  /// Live: fills the live bar's offer (past_offered, the span).
  void offer(ReplayControl& live) const;

  /// Starts showing the past at `t_us` (the live bar was dragged back);
  /// `control` is the past model's bar.
  void enter(std::int64_t t_us, ReplayControl& control);
  void leave();
  /// Back in time, the person picked `node`: the time shown is asked
  /// again, with that node's charts (the others come without).
  void focus(const std::string& node);
  bool showing() const { return showing_; }

  /// The question to send now, if one is due.
  std::optional<StateRequest> request(double now_s);
  /// A STATE answer for `node` (one of several to an every_node
  /// question); others (late, not ours) are dropped.
  void receive(const std::string& node, const v1::HistoryAnswer& answer, double now_s);

  /// The frame loop of the past model, every frame: applies the bar's
  /// seek or the play clock. True when snapshots() changed.
  bool update(ReplayControl& control, double now_s);
  const std::vector<std::shared_ptr<const v1::Keyframe>>& snapshots() const { return snapshots_; }
  std::int64_t at_us() const { return at_us_; }
  /// The hour before the time shown, once per answer.
  std::map<std::string, v1::History> take_histories() { return std::move(histories_); }
  /// True while the time asked for is not the one shown.
  bool pending() const { return showing_ && (asked_ != 0 || target_us_ != at_us_); }

  /// The collector answered whether it records the node (either way).
  bool span_known() const { return span_known_; }
  const std::string& node() const { return node_; }
  std::size_t source() const { return source_; }
  /// The collector's last refusal ("no node ... at ..."), "" when none.
  const std::string& note() const { return note_; }

 private:
  std::optional<StateRequest> ask(std::int64_t t_us, bool span_only, double now_s);
  void receive_span(const v1::HistoryAnswer& answer);
  void receive_state(const std::string& node, const v1::HistoryAnswer& answer);

  std::size_t source_ = 0;
  std::string node_;
  bool recorded_ = false;      ///< the collector answered a span: it records this node
  bool span_known_ = false;
  std::int64_t first_us_ = 0, last_us_ = 0;
  double span_asked_s_ = -1e9;
  bool showing_ = false;
  std::int64_t target_us_ = 0;  ///< where the bar or the play clock wants to be
  std::int64_t at_us_ = 0;      ///< the time of the state shown
  std::uint64_t next_id_ = 1;
  std::uint64_t asked_ = 0;     ///< the request in flight (0: none)
  bool asked_span_ = false;
  std::int64_t asked_us_ = 0;
  double asked_s_ = -1e9;
  double played_from_s_ = 0;
  std::int64_t played_from_us_ = 0;
  bool was_playing_ = false;
  /// The answers to the question in flight so far, by node (a state may be
  /// absent: that node's answer was an error).
  std::map<std::string, std::shared_ptr<const v1::Keyframe>> arriving_;
  std::map<std::string, v1::History> arriving_histories_;
  std::string arriving_note_;
  std::vector<std::shared_ptr<const v1::Keyframe>> snapshots_;  ///< by node name
  std::vector<std::shared_ptr<const v1::Keyframe>> shown_;      ///< what update() last handed over
  std::map<std::string, v1::History> histories_;
  std::string note_;
};

}  // namespace beamscope::gui
