// Alerts strip; see alerts_strip.hpp.
#include "alerts_strip.hpp"

#include <imgui.h>

#include "theme.hpp"

namespace beamscope::gui {
namespace {

void select_target(InspectorModel& model, const v1::Alert& a) {
  const AlertTarget t = alert_target(a);
  if (t.kind == AlertTarget::Kind::kTreeEntry) model.select_tree_entry(t.id);
  else if (t.kind == AlertTarget::Kind::kProcess) model.select_process(t.id);
}

bool chip(const v1::Alert& a, bool cursor) {
  const theme::Palette& c = theme::colors();
  const ImU32 fill = a.severity() == v1::Alert::CRITICAL ? c.bad : c.warn;
  const std::string text = alert_chip_text(a);
  ImGui::PushStyleColor(ImGuiCol_Button, fill);
  ImGui::PushStyleColor(ImGuiCol_ButtonHovered, fill);
  ImGui::PushStyleColor(ImGuiCol_Text, c.badge_ink);
  ImGui::PushStyleVar(ImGuiStyleVar_FrameBorderSize, cursor ? 2.0f : 0.0f);
  ImGui::PushStyleColor(ImGuiCol_Border, ImGui::GetColorU32(ImGuiCol_Text));
  const bool clicked = ImGui::SmallButton(text.c_str());
  ImGui::PopStyleColor();
  ImGui::PopStyleVar();
  ImGui::PopStyleColor(3);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s\n(click: select it)", a.summary().c_str());
  if (cursor) ImGui::SetScrollHereX(0.5f);
  return clicked;
}

}  // namespace

float alerts_strip_height() {
  return ImGui::GetFrameHeightWithSpacing() + ImGui::GetStyle().ScrollbarSize + ImGui::GetStyle().WindowPadding.y;
}

void draw_alerts_strip(InspectorModel& model, NodeView& node, const Keys* keys, DrawReport& report) {
  AlertsModel& alerts = node.alerts;
  if (keys && keys->move != 0) {
    if (const v1::Alert* a = alerts.step(keys->move)) select_target(model, *a);
  }
  if (alerts.size() == 0) {
    ImGui::TextDisabled("No alerts: mailboxes, restarts, supervisors and limits are calm.");
    return;
  }
  ImGui::TextUnformatted(alerts.size() == 1 ? "1 alert" : (std::to_string(alerts.size()) + " alerts").c_str());
  ImGui::SameLine();
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    const v1::Alert& a = alerts.at(i);
    ImGui::PushID(static_cast<int>(i));
    if (chip(a, alerts.is_cursor(a))) {
      alerts.set_cursor(a);
      select_target(model, a);
    }
    ImGui::PopID();
    ImGui::SameLine();
    if (report.enabled) report.alerts.push_back(alert_chip_text(a));
  }
  if (alerts.omitted() > 0) ImGui::TextDisabled("+%u more", alerts.omitted());
  else ImGui::NewLine();
}

}  // namespace beamscope::gui
