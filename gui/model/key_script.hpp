// `--keys`: key presses fed to the inspector once data is shown, one every
// other frame, as if typed (screenshot tests and the frame-time benchmark
// walk the tree and tables with them; the state dump says where they led).
// "down,down,enter", "f6,pagedown", "slash,type:crash,esc". No ImGui.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace beamscope::gui {

enum class ScriptKey { kUp, kDown, kLeft, kRight, kPageUp, kPageDown, kHome, kEnd, kEnter, kEscape, kSlash, kF6, kText };

struct ScriptStep {
  ScriptKey key = ScriptKey::kDown;
  std::string text;  ///< kText: characters typed
  int repeat = 1;    ///< "down*20"
};

/// nullopt and `error` set when a token is not a key this knows.
std::optional<std::vector<ScriptStep>> parse_key_script(const std::string& text, std::string& error);

}  // namespace beamscope::gui
