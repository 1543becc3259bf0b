// The alerts strip as data: the agent's alerts (computed once in the agent
// by protocol/alerts.hpp, sent in the keyframe; the GUI only reads them),
// what clicking one selects, the words of its chip, and a keyboard cursor
// over them. No ImGui.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "beamscope.pb.h"

namespace beamscope::gui {

/// What an alert points at: its process (pid), a supervisor's tree entry
/// (restart kinds), or nothing to select (node-wide limits, memory).
struct AlertTarget {
  enum class Kind { kNone, kProcess, kTreeEntry };
  Kind kind = Kind::kNone;
  std::string id;  ///< the pid or the tree id
};
AlertTarget alert_target(const v1::Alert& a);

/// "critical · mailbox_growing · beamscope_test_grower": the chip's text
/// (severity in words: colour is never the only signal).
std::string alert_chip_text(const v1::Alert& a);

class AlertsModel {
 public:
  /// New data (shared, immutable). Same pointer: no-op.
  void set_data(std::shared_ptr<const v1::Keyframe> kf);
  std::size_t size() const { return data_ ? static_cast<std::size_t>(data_->alerts().active_size()) : 0; }
  const v1::Alert& at(std::size_t i) const { return data_->alerts().active(static_cast<int>(i)); }
  /// Alerts the agent left out over its bound.
  std::uint32_t omitted() const { return data_ ? data_->alerts().omitted() : 0; }

  /// Keyboard: the alert `delta` from the cursor (the first or last when
  /// none); nullptr when there are none. Moves the cursor there.
  const v1::Alert* step(int delta);
  /// The alert the cursor is on, kept by (kind, subject) across refreshes.
  bool is_cursor(const v1::Alert& a) const { return has_cursor_ && a.kind() == kind_ && a.subject() == subject_; }
  void set_cursor(const v1::Alert& a);

 private:
  int cursor_index() const;

  std::shared_ptr<const v1::Keyframe> data_;
  bool has_cursor_ = false;
  v1::Alert::Kind kind_ = v1::Alert::MAILBOX_GROWING;
  std::string subject_;
};

}  // namespace beamscope::gui
