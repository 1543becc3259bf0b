// The selected process's detail on demand; see process_inquiry.hpp.
#include "process_inquiry.hpp"

namespace beamscope::gui {

std::optional<v1::ProcessRequest> ProcessInquiry::poll(const std::string& pid, double now) {
  if (pid.empty()) {
    pid_.clear();  // nothing shown: nothing asked, and a later answer is stale
    in_flight_ = false;
    return std::nullopt;
  }
  if (pid != pid_) {
    pid_ = pid;
    detail_.reset();
    problem_.clear();
    in_flight_ = false;
    answered_at_ = 0;
  } else if (in_flight_) {
    if (now - sent_at_ < kAnswerTimeoutS) return std::nullopt;
    problem_ = "no answer from the agent in 5 s";
  } else if (detail_ && now - answered_at_ < kRefreshS) {
    return std::nullopt;
  }
  v1::ProcessRequest req;
  req.set_request_id(next_id_++);
  req.set_pid(pid_);
  sent_id_ = req.request_id();
  sent_at_ = now;
  in_flight_ = true;
  return req;
}

bool ProcessInquiry::receive(const v1::ProcessDetail& detail, double now) {
  if (!in_flight_ || detail.request_id() != sent_id_ || detail.pid() != pid_) {
    ++stale_;
    return false;
  }
  in_flight_ = false;
  detail_ = std::make_shared<const v1::ProcessDetail>(detail);
  answered_at_ = now;
  problem_.clear();
  return true;
}

const v1::ProcessDetail* ProcessInquiry::detail_for(const std::string& pid) const {
  return detail_ && !pid.empty() && pid == pid_ ? detail_.get() : nullptr;
}

}  // namespace beamscope::gui
