// The Processes tab: the hot set as a sortable, filterable, clipped table;
// clicking a row selects the process for the detail panel.
#pragma once

#include <array>

#include "inspector_model.hpp"

namespace beamscope::gui {

struct ProcessesState {
  std::array<char, 128> filter{};
};

void draw_processes(InspectorModel& model, NodeView& node, ProcessesState& state);

}  // namespace beamscope::gui
