// The inspector's settings (settings.hpp) as a section of ImGui's ini file,
// so they persist like the layout and the columns.
#pragma once

#include "settings.hpp"

namespace beamscope::gui {

/// Registers the "[beamscope][settings]" section; `settings` is read when
/// ImGui loads the ini (at the first frame) and written when it saves.
/// Call after the ImGui context exists, before the first frame.
void register_settings_ini(Settings* settings);

/// After a change: ImGui saves the ini soon (io.IniSavingRate).
void settings_changed();

}  // namespace beamscope::gui
