// The selected process's detail, asked of the agent on demand (protocol
// 1.3's ProcessRequest → ProcessDetail): stack, links, monitors, GC
// settings, dictionary keys, status. One process at a time: the one
// selected while the detail panel is shown, asked again every kRefreshS;
// answers to an earlier request or for another pid are stale. The frame
// loop sends the requests and feeds the answers back. No ImGui, no sockets.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "beamscope.pb.h"

namespace beamscope::gui {

class ProcessInquiry {
 public:
  static constexpr double kRefreshS = 2.0;        ///< the detail shown is asked again this often
  static constexpr double kAnswerTimeoutS = 5.0;  ///< no answer by then: say so, ask again

  /// Called every frame with the pid whose detail is on screen ("" when
  /// none). Returns the request to send now, if one is due.
  std::optional<v1::ProcessRequest> poll(const std::string& pid, double now);
  /// An answer; false (and counted) when stale.
  bool receive(const v1::ProcessDetail& detail, double now);

  /// The latest answer for `pid` (an error answer too), or null.
  const v1::ProcessDetail* detail_for(const std::string& pid) const;
  /// Seconds since that answer arrived.
  double age_s(double now) const { return now - answered_at_; }
  /// "no answer from the agent in 5 s" while the latest request is lost; "" otherwise.
  const std::string& problem() const { return problem_; }
  std::uint64_t stale_answers() const { return stale_; }

 private:
  std::string pid_;                                 ///< asked about
  std::uint64_t sent_id_ = 0, next_id_ = 1;
  bool in_flight_ = false;
  double sent_at_ = 0, answered_at_ = 0;
  std::shared_ptr<const v1::ProcessDetail> detail_;  ///< latest answer for pid_
  std::string problem_;
  std::uint64_t stale_ = 0;
};

}  // namespace beamscope::gui
