// Look of the inspector: a dark theme (default) and a light one, fonts
// sized for the monitor's content scale, and the semantic colours views
// share (so "bad" is one red per theme). Views ask theme::colors() for the
// current palette every frame, so a switch takes effect at once.
#pragma once

#include <imgui.h>

#include "settings.hpp"

namespace beamscope::gui::theme {

/// Colours with a meaning. Colour is never the only signal: views pair them with text.
struct Palette {
  ImU32 good, warn, bad, muted;
  ImU32 restart;            ///< restart badges and reasons: its own hue, apart from warn and bad
  ImU32 chart_bg, chart_grid, chart_cursor;
  ImU32 chip, chip_ink;     ///< neutral badges (mailbox, children) and their text
  ImU32 badge_ink;          ///< text on a coloured badge
  ImU32 series[7];          ///< line colours for multi-series charts, in order
};

/// ImGui style colours and spacing for `kind`, sizes scaled by `scale`
/// (GLFW content scale); also makes colors() return that palette.
void apply(ThemeKind kind, float scale);
ThemeKind current();
const Palette& colors();

/// Loads a clear TTF (DejaVu Sans) at 15 px × scale when installed, else
/// ImGui's built-in font scaled, replacing any loaded font. Call before
/// the renderer builds (or rebuilds) the atlas.
void load_fonts(float scale);

/// Colour for a 0..1 load: slate when idle through blue to red when saturated.
ImU32 heat(float load);

}  // namespace beamscope::gui::theme
