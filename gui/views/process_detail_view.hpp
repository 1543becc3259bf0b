// The detail panel's parts for a process: its header (when no tree entry
// names it), the one mailbox figure with its age, growth and time to the
// alarm and its chart since selected, and the hot set's figures.
#pragma once

#include "draw_report.hpp"
#include "inspector_model.hpp"

namespace beamscope::gui {

/// Name and pid of the selected process with copy buttons; false when none.
bool draw_process_header(NodeView& node);

/// The mailbox section; nothing when no figure is known.
void draw_mailbox(InspectorModel& model, NodeView& node, DrawReport& report);

/// Memory, heap, GC and reductions of the hot set's sample, if there is one.
void draw_process_fields(NodeView& node);

}  // namespace beamscope::gui
