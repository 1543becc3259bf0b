// The alerts strip across the bottom (GUI.md): the few things that need
// attention now, most severe first, each a chip with its severity, kind and
// subject (the agent's one-line summary on hover); a click, or the arrows
// when the strip has the keys, selects its process or supervisor.
#pragma once

#include "draw_report.hpp"
#include "inspector_model.hpp"
#include "keys.hpp"

namespace beamscope::gui {

/// Height the strip needs (one row of chips and its scrollbar), pixels.
float alerts_strip_height();

/// `keys`: the frame's keyboard when the strip has it, else nullptr.
void draw_alerts_strip(InspectorModel& model, NodeView& node, const Keys* keys, DrawReport& report);

}  // namespace beamscope::gui
