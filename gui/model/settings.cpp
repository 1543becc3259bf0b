// Settings lines; see settings.hpp.
#include "settings.hpp"

namespace beamscope::gui {

const char* theme_name(ThemeKind t) { return t == ThemeKind::kLight ? "light" : "dark"; }

std::optional<ThemeKind> parse_theme(std::string_view text) {
  if (text == "dark") return ThemeKind::kDark;
  if (text == "light") return ThemeKind::kLight;
  return std::nullopt;
}

const char* process_list_name(bool every_process) { return every_process ? "every" : "hot"; }

std::optional<bool> parse_process_list(std::string_view text) {
  if (text == "every") return true;
  if (text == "hot") return false;
  return std::nullopt;
}

bool read_settings_line(std::string_view line, Settings& out) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  const auto eq = line.find('=');
  if (eq == std::string_view::npos) return false;
  const std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
  if (key == "theme") {
    if (auto t = parse_theme(value)) {
      out.theme = *t;
      return true;
    }
  }
  if (key == "processes") {
    if (auto every = parse_process_list(value)) {
      out.every_process = *every;
      return true;
    }
  }
  return false;
}

std::string write_settings(const Settings& s) {
  return std::string("theme=") + theme_name(s.theme) + "\nprocesses=" + process_list_name(s.every_process) + "\n";
}

}  // namespace beamscope::gui
