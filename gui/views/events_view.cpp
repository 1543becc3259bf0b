// Events tab; see events_view.hpp.
#include "events_view.hpp"

#include <imgui.h>

#include "theme.hpp"

namespace beamscope::gui {
namespace {

constexpr ImGuiTableFlags kTableFlags = ImGuiTableFlags_Resizable | ImGuiTableFlags_RowBg |
                                        ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY |
                                        ImGuiTableFlags_SizingFixedFit;

ImU32 severity_colour(EventSeverity s) {
  switch (s) {
    case EventSeverity::kBad: return theme::kBad;
    case EventSeverity::kWarn: return theme::kWarn;
    case EventSeverity::kInfo: break;
  }
  return ImGui::GetColorU32(ImGuiCol_Text);
}

// The child's name in the tree when the event names one, else the pid.
std::string process_text(const NodeView& node, const v1::Event& e) {
  const int i = e.child().empty() ? -1 : node.tree.find(e.child());
  if (i >= 0) return tree_display_name(node.tree.node(i));
  if (!e.child().empty()) return tree_id_leaf(e.child());
  if (!e.pid().empty()) return e.pid();
  return tree_id_leaf(e.supervisor());
}

void row(InspectorModel& model, NodeView& node, const v1::Event& e) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::PushID(static_cast<int>(e.id()));
  const std::string clock = event_clock(e.time_us());
  if (ImGui::Selectable(clock.c_str(), node.events.is_selected(e),
                        ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap)) {
    node.events.select(e.id());
    // Select what the event is about: the child's tree entry, else its pid.
    if (!e.child().empty() && node.tree.find(e.child()) >= 0) model.select_tree_entry(e.child());
    else model.select_process(e.pid());
  }
  ImGui::PopID();
  ImGui::TableNextColumn();
  ImGui::PushStyleColor(ImGuiCol_Text, severity_colour(event_severity(e.kind())));
  ImGui::TextUnformatted(event_kind_name(e.kind()).c_str());
  ImGui::PopStyleColor();
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(process_text(node, e).c_str());
  if (ImGui::IsItemHovered() && !e.pid().empty()) ImGui::SetTooltip("%s\n%s", e.child().c_str(), e.pid().c_str());
  ImGui::TableNextColumn();
  std::string reason = e.reason();
  if (!e.detail().empty()) reason += reason.empty() ? e.detail() : "  (" + e.detail() + ")";
  ImGui::TextUnformatted(reason.c_str());
}

}  // namespace

void draw_events(InspectorModel& model, NodeView& node, EventsViewState& state) {
  EventsModel& events = node.events;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 18.0f);
  ImGui::InputTextWithHint("##evfilter", "filter: kind, process, reason", state.filter.data(), state.filter.size());
  events.set_filter(state.filter.data());
  ImGui::SameLine();
  ImGui::Checkbox("restarts and crashes only", &state.supervision_only);
  events.set_supervision_only(state.supervision_only);
  const auto& visible = events.visible();
  ImGui::SameLine();
  ImGui::TextDisabled("%zu of %zu recent events", visible.size(), events.total());
  if (events.total() == 0) {
    ImGui::TextWrapped("No events yet: restarts, crashes and escalations appear here as they happen.");
    return;
  }
  if (!ImGui::BeginTable("events", 4, kTableFlags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("Time");
  ImGui::TableSetupColumn("Kind");
  ImGui::TableSetupColumn("Process");
  ImGui::TableSetupColumn("Reason", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(visible.size()));
  while (clipper.Step())
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) row(model, node, events.row(visible[i]));
  ImGui::EndTable();
}

}  // namespace beamscope::gui
