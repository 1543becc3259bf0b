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
    case EventSeverity::kBad: return theme::colors().bad;
    case EventSeverity::kWarn: return theme::colors().warn;
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

// Selects the event and what it is about: the child's tree entry, else its pid.
void select_event(InspectorModel& model, NodeView& node, const v1::Event& e) {
  node.events.select(e.id());
  if (!e.child().empty() && node.tree.find(e.child()) >= 0) model.select_tree_entry(e.child());
  else model.select_process(e.pid());
}

// The selection is shared: an event about the selected process or entry is marked.
bool about_selection(const NodeView& node, const v1::Event& e) {
  const std::string& pid = node.table.selected_pid();
  const std::string& id = node.tree.selected_id();
  return (!pid.empty() && e.pid() == pid) || (!id.empty() && e.child() == id);
}

void row(InspectorModel& model, NodeView& node, const v1::Event& e, EventsViewState& state, DrawReport& report) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::PushID(static_cast<int>(e.id()));
  const std::string clock = event_clock(e.time_us());
  const bool chosen = node.events.is_selected(e), related = about_selection(node, e);
  if (related && !chosen) {
    ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, ImGui::GetColorU32(ImGuiCol_Header, 0.35f));
  }
  if (report.enabled && (chosen || related)) ++report.events_highlighted;
  if (ImGui::Selectable(clock.c_str(), chosen, ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap))
    select_event(model, node, e);
  if (chosen && state.scroll_to_selection) {
    ImGui::SetScrollHereY(0.5f);
    state.scroll_to_selection = false;
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

void draw_events(InspectorModel& model, NodeView& node, EventsViewState& state, const Keys* keys, DrawReport& report) {
  EventsModel& events = node.events;
  if (state.focus_filter) ImGui::SetKeyboardFocusHere();
  state.focus_filter = false;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 18.0f);
  ImGui::InputTextWithHint("##evfilter", "/ filter: kind, process, reason", state.filter.data(), state.filter.size());
  if ((ImGui::IsItemActive() || ImGui::IsItemDeactivated()) && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)))
    state.filter[0] = '\0';
  events.set_filter(state.filter.data());
  if (report.enabled) report.events_filter = state.filter.data();
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
  if (keys && keys->move != 0) {
    if (const v1::Event* e = events.event_at_offset(keys->move); e && !events.is_selected(*e)) {
      select_event(model, node, *e);
      state.scroll_to_selection = true;
    }
  }
  const int sel = state.scroll_to_selection ? events.selected_row() : -1;
  if (sel < 0) state.scroll_to_selection = false;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(events.visible().size()));
  if (sel >= 0) clipper.ForceDisplayRangeByIndices(sel, sel + 1);
  while (clipper.Step())
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i)
      row(model, node, events.row(events.visible()[static_cast<std::size_t>(i)]), state, report);
  ImGui::EndTable();
}

}  // namespace beamscope::gui
