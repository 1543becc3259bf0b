// The replay bar's state when the inspector shows a recording
// (`beamscope --replay FILE`): the file's span, the time shown, play or
// pause, and the time the person asked for (the slider, the steps), which
// the frame loop hands to the feed (gui/app/replay_feed.hpp). No ImGui, no
// file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace beamscope::gui {

struct ReplayControl {
  bool active = false;         ///< the inspector shows a recording, not live streams
  std::string file;
  std::int64_t first_us = 0, last_us = 0;  ///< unix µs of the first and last record
  std::int64_t at_us = 0;      ///< the time shown
  bool playing = false;        ///< time moves with the wall clock
  std::optional<std::int64_t> seek_us;  ///< asked by the bar this frame (the slider, a step)
  std::string damage;          ///< where the file stops being readable, "" when whole

  /// Live streams whose collector records the node shown (--record): the
  /// bar offers its past over [first_us, last_us]; a seek asks to go back.
  bool past_offered = false;
  /// The past shown comes from a collector, not a file: the bar's "live"
  /// button (or playing up to the present) sets back_to_live.
  bool from_collector = false;
  bool back_to_live = false;
  std::string note;            ///< the collector's last refusal, "" when none

  /// Asks for `t_us`, held within the file's span.
  void seek(std::int64_t t_us) { seek_us = t_us < first_us ? first_us : t_us > last_us ? last_us : t_us; }
};

}  // namespace beamscope::gui
