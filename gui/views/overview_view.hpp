// The Overview tab: VM gauges with units and limits, rates derived from
// counters, and small-multiple charts over a selectable window.
#pragma once

#include "inspector_model.hpp"

namespace beamscope::gui {

struct OverviewState {
  int window_index = 1;  ///< into the window choices (1 min, 5 min, 15 min, 1 h)
};

void draw_overview(const NodeView& node, OverviewState& state);

}  // namespace beamscope::gui
