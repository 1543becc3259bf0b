// Settings in ImGui's ini; see settings_ini.hpp.
#include "settings_ini.hpp"

#include <imgui.h>
#include <imgui_internal.h>  // ImGuiSettingsHandler: ImGui 1.86 has no public API for custom sections

#include <cstring>

namespace beamscope::gui {
namespace {

void* read_open(ImGuiContext*, ImGuiSettingsHandler* h, const char* name) {
  return std::strcmp(name, "settings") == 0 ? h->UserData : nullptr;
}

void read_line(ImGuiContext*, ImGuiSettingsHandler*, void* entry, const char* line) {
  read_settings_line(line, *static_cast<Settings*>(entry));  // unknown lines are skipped
}

void write_all(ImGuiContext*, ImGuiSettingsHandler* h, ImGuiTextBuffer* out) {
  out->appendf("[%s][settings]\n", h->TypeName);
  out->append(write_settings(*static_cast<Settings*>(h->UserData)).c_str());
  out->append("\n");
}

}  // namespace

void register_settings_ini(Settings* settings) {
  ImGuiSettingsHandler h;
  h.TypeName = "beamscope";
  h.TypeHash = ImHashStr("beamscope");
  h.ReadOpenFn = read_open;
  h.ReadLineFn = read_line;
  h.WriteAllFn = write_all;
  h.UserData = settings;
  ImGui::GetCurrentContext()->SettingsHandlers.push_back(h);
}

void settings_changed() { ImGui::MarkIniSettingsDirty(); }

}  // namespace beamscope::gui
