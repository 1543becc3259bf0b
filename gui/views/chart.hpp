// Small-multiple charts drawn with ImGui's draw list (Debian has no ImPlot):
// a multi-line time chart with hover read-out, and a per-scheduler heat strip.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <imgui.h>

#include "ring_buffer.hpp"

namespace beamscope::gui {

/// Turns a value into text with its unit, e.g. format_bytes.
using ValueFormat = std::string (*)(double);

struct ChartLine {
  const char* label;
  const RingBuffer<float>* values;
  ImU32 color;
};

struct ChartSpec {
  const char* title;
  ValueFormat format;
  std::size_t window = 600;  ///< samples across the width (1 per second)
  float height = 110.0f;     ///< unscaled pixels
  double fixed_max = 0.0;    ///< > 0: fixed y range 0..fixed_max (e.g. 1.0 for utilization)
};

/// Lines share a y axis from 0 to the window's max. Newest sample at the
/// right edge; a history shorter than the window is stretched to the full
/// width. Hover shows the values and their age.
void line_chart(const char* id, const ChartSpec& spec, const std::vector<ChartLine>& lines);

/// One row per scheduler, one column per time bucket, coloured by load;
/// the mean utilization is drawn over it as a line. `height` is unscaled.
void heat_strip(const char* id, const char* title, const std::vector<RingBuffer<float>>& rows,
                const RingBuffer<float>& average, std::size_t window, float height);

}  // namespace beamscope::gui
