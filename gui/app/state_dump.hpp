// The inspector's state as one JSON document, written at the end of a
// screenshot run (--dump-state) so tests and the frame-time benchmark read
// what the picture shows: the node, the selection, each children pager and
// the page it received, what the last frame drew (draw_report.hpp), the
// theme and scale, and the CPU time per frame.
#pragma once

#include <string>

#include <vector>

#include "draw_report.hpp"
#include "frame_times.hpp"
#include "inspector_model.hpp"
#include "link_status.hpp"

namespace beamscope::gui {

struct RunCounters {
  int frames = 0;
  int frames_with_data = 0;
  unsigned long long pages_dropped = 0;  ///< answers lost to the inbox bound
  std::size_t keys_pressed = 0;          ///< --keys presses played
  std::string theme;
  float content_scale = 1.0f;
  float font_size = 0.0f;                ///< pixels
};

/// Writes the dump of the shown node; false and `error` set when the file
/// cannot be written.
bool write_state_dump(const std::string& path, InspectorModel& model, const std::vector<LinkStatus>& links,
                      const FrameTimes& frames, const RunCounters& counters, const DrawReport& drawn,
                      std::string& error);

}  // namespace beamscope::gui
