// The panel on the right: everything known about the selected process,
// with its mailbox over time since it was selected.
#pragma once

#include "inspector_model.hpp"

namespace beamscope::gui {

void draw_process_detail(NodeView& node);

}  // namespace beamscope::gui
