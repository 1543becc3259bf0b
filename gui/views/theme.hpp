// Look of the inspector: dark theme, fonts sized for the monitor's content
// scale, and the few semantic colours views share (so "bad" is one red).
#pragma once

#include <imgui.h>

namespace beamscope::gui::theme {

/// Dark colours and spacing scaled by `scale` (GLFW content scale).
void apply_dark(float scale);

/// Loads a clear TTF (DejaVu Sans) at 15 px × scale when installed, else
/// ImGui's built-in font scaled. Call before the renderer builds the atlas.
void load_fonts(float scale);

// Semantic colours. Colour is never the only signal: views pair them with text.
inline constexpr ImU32 kGood = IM_COL32(80, 200, 120, 255);
inline constexpr ImU32 kWarn = IM_COL32(235, 180, 60, 255);
inline constexpr ImU32 kBad = IM_COL32(235, 85, 75, 255);
inline constexpr ImU32 kMuted = IM_COL32(140, 146, 160, 255);
/// Restart badges in the supervision tree: its own hue, apart from warn and bad.
inline constexpr ImU32 kRestart = IM_COL32(205, 100, 40, 255);
inline constexpr ImU32 kChartBg = IM_COL32(22, 25, 31, 255);
inline constexpr ImU32 kChartGrid = IM_COL32(60, 66, 80, 255);
/// Line colours for multi-series charts, in order.
inline constexpr ImU32 kSeries[] = {
    IM_COL32(90, 170, 250, 255), IM_COL32(250, 150, 70, 255), IM_COL32(120, 210, 130, 255),
    IM_COL32(210, 120, 220, 255), IM_COL32(240, 220, 90, 255), IM_COL32(110, 220, 220, 255),
    IM_COL32(200, 200, 200, 255),
};

/// Colour for a 0..1 load: blue-grey when idle through amber to red when saturated.
ImU32 heat(float load);

}  // namespace beamscope::gui::theme
