// The Events tab: restarts, crashes, escalations and system_monitor
// reports, newest first, with time, kind, process and reason; a click
// selects the process (and its tree entry).
#pragma once

#include <array>

#include "inspector_model.hpp"

namespace beamscope::gui {

struct EventsViewState {
  std::array<char, 128> filter{};
  bool supervision_only = false;
};

void draw_events(InspectorModel& model, NodeView& node, EventsViewState& state);

}  // namespace beamscope::gui
