// The detail panel's part asked of the agent (ProcessDetail, refreshed
// every 2 s while shown): status and stack, links and monitors (a pid in
// them selects that process), heap, GC settings, dictionary keys.
#pragma once

#include "draw_report.hpp"
#include "inspector_model.hpp"

namespace beamscope::gui {

/// Draws the agent's answer about the selected process. False when there
/// is none for it yet (only the "asking" line is drawn).
bool draw_process_inquiry(InspectorModel& model, NodeView& node, DrawReport& report);

}  // namespace beamscope::gui
