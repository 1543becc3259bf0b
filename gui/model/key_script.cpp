// --keys parsing; see key_script.hpp.
#include "key_script.hpp"

#include <cstdlib>
#include <utility>

namespace beamscope::gui {

std::optional<std::vector<ScriptStep>> parse_key_script(const std::string& text, std::string& error) {
  static const std::pair<const char*, ScriptKey> kNames[] = {
      {"up", ScriptKey::kUp},         {"down", ScriptKey::kDown},       {"left", ScriptKey::kLeft},
      {"right", ScriptKey::kRight},   {"pageup", ScriptKey::kPageUp},   {"pagedown", ScriptKey::kPageDown},
      {"home", ScriptKey::kHome},     {"end", ScriptKey::kEnd},         {"enter", ScriptKey::kEnter},
      {"esc", ScriptKey::kEscape},    {"slash", ScriptKey::kSlash},     {"f6", ScriptKey::kF6},
  };
  std::vector<ScriptStep> out;
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string token = text.substr(start, comma - start);
    start = comma + 1;
    ScriptStep step;
    if (token.rfind("type:", 0) == 0) {
      step.key = ScriptKey::kText;
      step.text = token.substr(5);
      if (step.text.empty()) {
        error = "--keys: 'type:' needs text";
        return std::nullopt;
      }
      out.push_back(std::move(step));
      if (comma == text.size()) break;
      continue;
    }
    if (const auto star = token.find('*'); star != std::string::npos) {
      char* end = nullptr;
      const long n = std::strtol(token.c_str() + star + 1, &end, 10);
      if (*end != '\0' || n < 1 || n > 10000) {
        error = "--keys: bad repeat in '" + token + "'";
        return std::nullopt;
      }
      step.repeat = static_cast<int>(n);
      token.erase(star);
    }
    bool known = false;
    for (const auto& [name, key] : kNames) {
      if (token == name) {
        step.key = key;
        known = true;
      }
    }
    if (!known) {
      error = "--keys: unknown key '" + token + "' (up, down, left, right, pageup, pagedown, home, end, enter, esc, slash, f6, type:TEXT)";
      return std::nullopt;
    }
    out.push_back(std::move(step));
    if (comma == text.size()) break;
  }
  return out;
}

}  // namespace beamscope::gui
