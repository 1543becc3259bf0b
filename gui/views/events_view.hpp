// The Events tab: restarts, crashes, escalations and system_monitor
// reports, newest first, with time, kind, process and reason; a click or
// the arrows select the event and its process (and tree entry).
#pragma once

#include <array>

#include "draw_report.hpp"
#include "inspector_model.hpp"
#include "keys.hpp"

namespace beamscope::gui {

struct EventsViewState {
  std::array<char, 128> filter{};
  bool supervision_only = false;
  bool focus_filter = false;  ///< `/` was pressed: the box takes the keyboard
  bool scroll_to_selection = false;
};

/// `keys`: the frame's keyboard when the table has it, else nullptr. Rows
/// about the selected process or tree entry are marked (selection is shared).
void draw_events(InspectorModel& model, NodeView& node, EventsViewState& state, const Keys* keys, DrawReport& report);

}  // namespace beamscope::gui
