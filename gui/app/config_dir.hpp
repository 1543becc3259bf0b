// Where the inspector keeps its settings (ImGui's ini: layout, column
// widths, sort order): $XDG_CONFIG_HOME/beamscope, else ~/.config/beamscope.
#pragma once

#include <string>

namespace beamscope::gui {

/// Full path of the ini file, creating its directory; empty when there is
/// no usable home (then settings are simply not persisted).
std::string imgui_ini_path();

}  // namespace beamscope::gui
