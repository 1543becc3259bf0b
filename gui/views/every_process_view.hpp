// The Processes tab's "every process" table: every process of the node in
// the agent's order (sorted and filtered by the agent over its sweep),
// scrolled virtually: only the rows on screen are asked for, a page at a
// time (ProcessPages). Clicking a row or walking with the arrows selects
// the process for the detail panel, which asks the agent about it.
#pragma once

#include "draw_report.hpp"
#include "inspector_model.hpp"
#include "keys.hpp"

namespace beamscope::gui {

struct EveryProcessState {
  int pending_index = -1;   ///< the arrows moved here before its row arrived: selected when it does
  bool scroll_to = false;   ///< scroll to pending_index / the selection this frame
};

/// `filter`: the tab's filter box (the agent's name filter). `keys`: the
/// frame's keyboard when the table has it, else nullptr.
void draw_every_process(InspectorModel& model, NodeView& node, const char* filter, EveryProcessState& state,
                        const Keys* keys, DrawReport& report);

}  // namespace beamscope::gui
