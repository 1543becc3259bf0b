// The Processes tab: the hot set as a sortable, filterable, clipped table
// (Name and Current function open wide enough to read; the table scrolls
// sideways past the panel), or, with "every process" ticked (a setting),
// every process in the agent's order (every_process_view.hpp); clicking a
// row or walking with the arrows selects the process for the detail panel.
#pragma once

#include <array>

#include "draw_report.hpp"
#include "every_process_view.hpp"
#include "inspector_model.hpp"
#include "keys.hpp"
#include "settings.hpp"

namespace beamscope::gui {

struct ProcessesState {
  std::array<char, 128> filter{};
  bool focus_filter = false;  ///< `/` was pressed: the box takes the keyboard
  bool scroll_to_selection = false;
  EveryProcessState every;
};

/// `keys`: the frame's keyboard when the table has it, else nullptr.
void draw_processes(InspectorModel& model, NodeView& node, ProcessesState& state, Settings& settings,
                    const Keys* keys, DrawReport& report);

}  // namespace beamscope::gui
