// Actions on the selected process from the detail panel (gc, kill,
// suspend, resume): which the agent allows (its ProcessDetail says), the
// one action in flight and the last result, worded for the panel. A kill
// waits for the person's confirmation (the view asks). No ImGui, no sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "beamscope.pb.h"

namespace beamscope::gui {

using ProcessAction = v1::ActionRequest::Action;

class ActionDesk {
 public:
  static constexpr double kAnswerTimeoutS = 5.0;

  /// The buttons to show, in order, for an agent allowing `allowed`
  /// (allow_actions names: "gc", "kill", "suspend"; resume comes with suspend).
  static std::vector<ProcessAction> offered(const google::protobuf::RepeatedPtrField<std::string>& allowed);

  /// The person pressed a button (a kill after confirming): the request to
  /// send, or nullopt while another action is in flight.
  std::optional<v1::ActionRequest> press(ProcessAction action, const std::string& pid, double now);
  /// The agent's answer; false when it is not the one in flight.
  bool receive(const v1::ActionResult& result, double now);

  bool in_flight(double now) const { return in_flight_ && now - sent_at_ < kAnswerTimeoutS; }
  /// "gc <0.9.0>: done", "kill <0.9.0>: action kill is off on this agent: ...",
  /// "suspend <0.9.0>: asking", "... no answer in 5 s"; "" before any.
  std::string status(double now) const;
  bool last_failed() const { return failed_; }

 private:
  std::uint64_t next_id_ = 1, sent_id_ = 0;
  bool in_flight_ = false, failed_ = false;
  double sent_at_ = 0;
  std::string what_;    ///< "gc <0.9.0>"
  std::string result_;  ///< "done" or the agent's error
};

}  // namespace beamscope::gui
