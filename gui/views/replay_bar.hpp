// The replay bar, under the node bar while the inspector shows a
// recording: play/pause, steps of 10 s, a slider over the file's span,
// the time shown (UTC) and where the file is damaged, if it is; and the
// same from the keyboard (keys.hpp: K or Space, J, L). The past shown from
// a collector (its --record) has a "back to live" button instead of the
// file's name; live, with such a collector, the bar offers the past (a
// slider at its end, J steps back).
#pragma once

#include "keys.hpp"
#include "replay_control.hpp"

namespace beamscope::gui {

void draw_replay_bar(ReplayControl& replay);
/// Applies this frame's replay keys: a step per J or L, play or pause.
void replay_keys(ReplayControl& replay, const Keys& keys);

}  // namespace beamscope::gui
