// Cells the process tables share (the hot list and every process): one
// look for a figure and for a mailbox's growth wherever it is shown.
#pragma once

#include <string>

namespace beamscope::gui {

/// Text flush with the cell's right edge (figures line up by their units).
void right_aligned(const std::string& text);
/// "+79.2/s" in the warning colour while the mailbox grows, right aligned.
void growth_cell(double per_s);

}  // namespace beamscope::gui
