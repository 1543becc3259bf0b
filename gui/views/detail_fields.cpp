// Detail panel rows; see detail_fields.hpp.
#include "detail_fields.hpp"

namespace beamscope::gui {

void detail_field(const char* label, const std::string& value) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextDisabled("%s", label);
  ImGui::TableNextColumn();
  ImGui::TextWrapped("%s", value.empty() ? "-" : value.c_str());
}

void detail_field(const char* label, const std::string& value, ImU32 colour, bool use) {
  if (use) ImGui::PushStyleColor(ImGuiCol_Text, colour);
  detail_field(label, value);
  if (use) ImGui::PopStyleColor();
}

}  // namespace beamscope::gui
