// The panel on the right: everything known about the selection, a tree
// entry and/or a process: identity, the mailbox (one figure, its age,
// growth and time to the alarm), restart history, the hot set's figures.
// It can be hidden; Enter (or selecting again) opens it.
#pragma once

#include "draw_report.hpp"
#include "inspector_model.hpp"

namespace beamscope::gui {

/// Sets `open` false when the person hides the panel.
void draw_detail(InspectorModel& model, NodeView& node, bool& open, DrawReport& report);

}  // namespace beamscope::gui
