// The Events tab as data: the node's recent events (restarts, crashes,
// escalations, system_monitor reports) newest first, filtered by a text box
// and optionally to supervision events only, with a selection by event id.
// Rebuilt only when the data or the filter changed. No ImGui.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "beamscope.pb.h"

namespace beamscope::gui {

/// snake_case name of an event kind, the same words beamscope-ctl prints:
/// CHILD_TERMINATED -> "child_terminated".
std::string event_kind_name(v1::Event::Kind kind);

/// How bad an event is, for its colour (always shown with its kind name).
enum class EventSeverity { kInfo, kWarn, kBad };
EventSeverity event_severity(v1::Event::Kind kind);

/// True for events the supervision tree produces (restarts, crashes,
/// escalations), false for system_monitor reports.
bool is_supervision_event(v1::Event::Kind kind);

/// Last segment of a tree id ("demo/demo_sup/worker" -> "worker").
std::string tree_id_leaf(const std::string& id);

/// Wall-clock time of day of a unix-µs time, "14:03:27.125" (local time,
/// or UTC when `utc`).
std::string event_clock(std::int64_t time_us, bool utc = false);

class EventsModel {
 public:
  /// New data (shared, immutable). Same pointer: no-op.
  void set_data(std::shared_ptr<const v1::Keyframe> kf);
  /// Case-insensitive substring over kind, supervisor, child, pid, reason, detail.
  void set_filter(const std::string& text);
  void set_supervision_only(bool on);
  bool supervision_only() const { return supervision_only_; }

  /// Indices into the keyframe's events, newest first.
  const std::vector<int>& visible();
  const v1::Event& row(int index) const { return data_->events(index); }
  std::size_t total() const { return data_ ? static_cast<std::size_t>(data_->events_size()) : 0; }

  void select(std::uint64_t id) { selected_ = id; has_selection_ = true; }
  void clear_selection() { has_selection_ = false; }
  bool is_selected(const v1::Event& e) const { return has_selection_ && e.id() == selected_; }
  /// Row in visible() of the selected event, -1 when not shown.
  int selected_row();
  /// Keyboard: the event `delta` rows from the selected one in visible()
  /// (the first or last when none is shown); nullptr when there are none.
  const v1::Event* event_at_offset(int delta);

 private:
  std::shared_ptr<const v1::Keyframe> data_;
  std::string filter_;  // lower-cased
  bool supervision_only_ = false;
  std::vector<int> visible_;
  bool dirty_ = true;
  std::uint64_t selected_ = 0;
  bool has_selection_ = false;
};

}  // namespace beamscope::gui
