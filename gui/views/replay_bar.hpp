// The replay bar, under the node bar while the inspector shows a
// recording: play/pause, steps of 10 s, a slider over the file's span,
// the time shown (UTC) and where the file is damaged, if it is.
#pragma once

#include "replay_control.hpp"

namespace beamscope::gui {

void draw_replay_bar(ReplayControl& replay);

}  // namespace beamscope::gui
