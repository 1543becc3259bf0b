// The detail panel's part for a supervision tree entry: identity and child
// spec, the supervisor's restart intensity headroom as a gauge, and the
// restart history with reasons. The process figures follow below it when
// the entry's process is in the hot set (process_detail_view).
#pragma once

#include "inspector_model.hpp"

namespace beamscope::gui {

/// Draws the selected tree entry; false when there is none.
bool draw_tree_detail(NodeView& node);

}  // namespace beamscope::gui
