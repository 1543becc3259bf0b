// Window layout; see inspector_view.hpp.
#include "inspector_view.hpp"

#include <algorithm>

#include <imgui.h>

#include "node_bar.hpp"
#include "process_detail_view.hpp"
#include "tree_detail_view.hpp"
#include "theme.hpp"

namespace beamscope::gui {
namespace {

// Not NoSavedSettings: tables inherit it, and their column widths, order
// and sort must persist in the ini file.
constexpr ImGuiWindowFlags kRootFlags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                        ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_MenuBar;

void waiting(const InspectorModel& model, const std::vector<LinkStatus>& links) {
  const std::string text = model.waiting_text();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const ImVec2 size = ImGui::CalcTextSize(text.c_str());
  ImGui::SetCursorPos(ImVec2(ImGui::GetCursorPosX() + std::max(0.0f, (avail.x - size.x) / 2),
                             ImGui::GetCursorPosY() + avail.y / 3));
  ImGui::TextUnformatted(text.c_str());
  const bool dropping = std::any_of(links.begin(), links.end(),
                                    [](const LinkStatus& l) { return l.state == LinkState::kDropping; });
  // Something answers, in frames this build cannot read (the node bar says why).
  const char* hint = dropping ? "The endpoint answers with frames this build cannot read: run the same beamscope "
                                "release on both ends (see the status above)."
                              : "Start the agent in a node: ERL_LIBS=build/erlang, application:ensure_all_started(beamscope).";
  const ImVec2 hs = ImGui::CalcTextSize(hint);
  ImGui::SetCursorPosX(std::max(0.0f, (ImGui::GetWindowWidth() - hs.x) / 2));
  ImGui::TextDisabled("%s", hint);
}

}  // namespace

void InspectorView::draw(InspectorModel& model, const std::vector<LinkStatus>& links) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("beamscope", nullptr, kRootFlags);
  if (ImGui::BeginMenuBar()) {
    draw_node_bar(model, links);
    ImGui::EndMenuBar();
  }
  NodeView* node = model.selected();
  // Esc clears the process selection (when no text field has the keyboard).
  if (node && !ImGui::GetIO().WantTextInput && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    model.select_process("");
  }
  if (!node) {
    waiting(model, links);
    ImGui::End();
    return;
  }
  // Columns: supervision tree | main tabs | detail. A resizable table keeps
  // the split (and its widths) in the ini file.
  const ImGuiTableFlags flags = ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV;
  // Alerts strip (later issue): reserve its height here, below the table.
  if (ImGui::BeginTable("layout3", 3, flags, ImGui::GetContentRegionAvail())) {
    ImGui::TableSetupColumn("tree", ImGuiTableColumnFlags_WidthStretch, 0.26f);
    ImGui::TableSetupColumn("main", ImGuiTableColumnFlags_WidthStretch, 0.48f);
    ImGui::TableSetupColumn("detail", ImGuiTableColumnFlags_WidthStretch, 0.26f);
    ImGui::TableNextColumn();
    ImGui::BeginChild("tree", ImVec2(0, 0));
    draw_tree(model, *node, tree_);
    ImGui::EndChild();
    ImGui::TableNextColumn();
    ImGui::BeginChild("main", ImVec2(0, 0));
    draw_main(model, *node);
    ImGui::EndChild();
    ImGui::TableNextColumn();
    ImGui::BeginChild("detail", ImVec2(0, 0));
    // A tree entry shows its supervision facts; its process figures follow
    // when the process is in the hot set.
    const bool tree_entry = draw_tree_detail(*node);
    if (!tree_entry || node->table.selection().sample) {
      if (tree_entry) ImGui::Separator();
      draw_process_detail(*node);
    }
    ImGui::EndChild();
    ImGui::EndTable();
  }
  ImGui::End();
}

void InspectorView::draw_main(InspectorModel& model, NodeView& node) {
  if (!ImGui::BeginTabBar("main_tabs")) return;
  auto flags_for = [this](Tab t) {
    return has_pending_tab_ && pending_tab_ == t ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None;
  };
  const ImGuiTabItemFlags overview_flags = flags_for(Tab::kOverview);
  const ImGuiTabItemFlags processes_flags = flags_for(Tab::kProcesses);
  const ImGuiTabItemFlags events_flags = flags_for(Tab::kEvents);
  has_pending_tab_ = false;
  if (ImGui::BeginTabItem("Overview", nullptr, overview_flags)) {
    ImGui::BeginChild("overview");
    draw_overview(node, overview_);
    ImGui::EndChild();
    ImGui::EndTabItem();
  }
  if (ImGui::BeginTabItem("Processes", nullptr, processes_flags)) {
    draw_processes(model, node, processes_);
    ImGui::EndTabItem();
  }
  if (ImGui::BeginTabItem("Events", nullptr, events_flags)) {
    draw_events(model, node, events_);
    ImGui::EndTabItem();
  }
  ImGui::EndTabBar();
}

}  // namespace beamscope::gui
