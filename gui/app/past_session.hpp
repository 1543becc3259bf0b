// The inspector's past of a live fleet (CollectorPast): the live model is
// always fed; while the person looks back, a second model shows every
// node of the shown node's collector as it recorded them, with the replay
// bar and a "back to live" button, and the frame loop draws that one.
// Starts in the past with --at when the collector records the node.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "beamscope/transport/stream_client.hpp"
#include "collector_past.hpp"
#include "inspector_model.hpp"
#include "node_inbox.hpp"

namespace beamscope::gui {

// Every node of a collector answers a seek at once (protocol 1.7); taken
// every frame.
using StateInbox = NodeInbox<v1::HistoryAnswer, CollectorPast::kMaxNodes>;

class PastSession {
 public:
  /// `at`: --at (parse_time_arg's forms), "" to start live.
  explicit PastSession(std::string at) : pending_at_(std::move(at)) {}

  /// Every frame, after the live model took its snapshots: follows the
  /// node shown, sends what is due, takes answers, goes back or returns.
  /// The model to draw this frame.
  InspectorModel& step(InspectorModel& live, StateInbox& answers,
                       const std::vector<std::unique_ptr<transport::StreamClient>>& clients);
  /// Looking back, and the state asked for not shown yet (a screenshot waits).
  bool pending() const { return past_model_ && past_.pending(); }
  /// --at given and not settled yet (the collector's span not known).
  bool waiting_for_at() const { return !pending_at_.empty(); }
  /// Live, and whether the shown node's past can be offered not known yet
  /// (scripted keys wait for it: J means nothing before).
  bool span_pending() const { return !past_model_ && !past_.node().empty() && !past_.span_known(); }

 private:
  void enter(InspectorModel& live, std::int64_t t_us);

  std::string pending_at_;
  CollectorPast past_;
  std::unique_ptr<InspectorModel> past_model_;
  std::string select_id_, select_pid_;  // the live selection, carried back
};

}  // namespace beamscope::gui
