// Shared table cells; see table_cells.hpp.
#include "table_cells.hpp"

#include <imgui.h>

#include "mailbox_reading.hpp"
#include "theme.hpp"

namespace beamscope::gui {

void right_aligned(const std::string& text) {
  const float w = ImGui::CalcTextSize(text.c_str()).x;
  const float avail = ImGui::GetContentRegionAvail().x;
  if (avail > w) ImGui::SetCursorPosX(ImGui::GetCursorPosX() + avail - w);
  ImGui::TextUnformatted(text.c_str());
}

void growth_cell(double per_s) {
  if (per_s > 0) ImGui::PushStyleColor(ImGuiCol_Text, theme::colors().warn);
  right_aligned(format_growth(per_s));
  if (per_s > 0) ImGui::PopStyleColor();
}

}  // namespace beamscope::gui
