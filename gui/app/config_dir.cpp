// Settings location; see config_dir.hpp.
#include "config_dir.hpp"

#include <cstdlib>
#include <filesystem>

namespace beamscope::gui {

std::string imgui_ini_path() {
  namespace fs = std::filesystem;
  fs::path base;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    base = fs::path(home) / ".config";
  } else {
    return {};
  }
  const fs::path dir = base / "beamscope";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return {};
  return (dir / "imgui.ini").string();
}

}  // namespace beamscope::gui
