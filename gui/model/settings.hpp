// The inspector's own settings (the theme, what the Processes tab lists), kept in ImGui's ini file next
// to the layout, column widths and sort order: one "[beamscope][settings]"
// section of "key=value" lines. Parsing and writing here; the app
// registers them with ImGui. Unknown keys and values are skipped, so an
// ini from a newer build loads. No ImGui.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace beamscope::gui {

enum class ThemeKind { kDark, kLight };

struct Settings {
  ThemeKind theme = ThemeKind::kDark;
  /// The Processes tab lists every process in the agent's order (pages
  /// asked of it), not only the hot set the stream carries.
  bool every_process = false;
  bool operator==(const Settings&) const = default;
};

/// "dark", "light".
const char* theme_name(ThemeKind t);
std::optional<ThemeKind> parse_theme(std::string_view text);

/// "hot", "every": the Processes tab's list (--processes, the ini).
const char* process_list_name(bool every_process);
std::optional<bool> parse_process_list(std::string_view text);

/// Applies one ini line; false when it says nothing this build knows.
bool read_settings_line(std::string_view line, Settings& out);
/// The section's lines, each ending in '\n'.
std::string write_settings(const Settings& s);

}  // namespace beamscope::gui
