// Actions from the detail panel; see action_desk.hpp.
#include "action_desk.hpp"

#include <algorithm>

#include "beamscope/protocol/processes.hpp"

namespace beamscope::gui {

std::vector<ProcessAction> ActionDesk::offered(const google::protobuf::RepeatedPtrField<std::string>& allowed) {
  std::vector<ProcessAction> out;
  for (auto a : {v1::ActionRequest::GC, v1::ActionRequest::SUSPEND, v1::ActionRequest::RESUME,
                 v1::ActionRequest::KILL}) {
    const auto setting = protocol::action_setting(a);
    if (std::find(allowed.begin(), allowed.end(), setting) != allowed.end()) out.push_back(a);
  }
  return out;
}

std::optional<v1::ActionRequest> ActionDesk::press(ProcessAction action, const std::string& pid, double now) {
  if (in_flight(now)) return std::nullopt;
  v1::ActionRequest req;
  req.set_request_id(next_id_++);
  req.set_pid(pid);
  req.set_action(action);
  sent_id_ = req.request_id();
  sent_at_ = now;
  in_flight_ = true;
  failed_ = false;
  what_ = std::string(protocol::action_name(action)) + " " + pid;
  result_.clear();
  return req;
}

bool ActionDesk::receive(const v1::ActionResult& result, double now) {
  (void)now;
  if (!in_flight_ || result.request_id() != sent_id_) return false;
  in_flight_ = false;
  failed_ = !result.ok();
  result_ = result.ok() ? "done" : result.error();
  return true;
}

std::string ActionDesk::status(double now) const {
  if (what_.empty()) return {};
  if (in_flight_) return what_ + (now - sent_at_ < kAnswerTimeoutS ? ": asking" : ": no answer in 5 s");
  return what_ + ": " + result_;
}

}  // namespace beamscope::gui
