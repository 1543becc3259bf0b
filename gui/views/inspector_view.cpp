// Window layout and keyboard routing; see inspector_view.hpp.
#include "inspector_view.hpp"

#include <algorithm>

#include <imgui.h>

#include "alerts_strip.hpp"
#include "detail_view.hpp"
#include "node_bar.hpp"
#include "replay_bar.hpp"
#include "theme.hpp"

namespace beamscope::gui {
namespace {

// Not NoSavedSettings: tables inherit it, and their column widths, order
// and sort must persist in the ini file. NoBackground: the frame's clear
// colour is WindowBg already (theme.cpp).
constexpr ImGuiWindowFlags kRootFlags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                        ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_MenuBar |
                                        ImGuiWindowFlags_NoBackground;

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

// The theme switch at the right end of the menu bar.
void theme_button(Settings& settings) {
  const bool dark = settings.theme == ThemeKind::kDark;
  const char* label = dark ? "light theme" : "dark theme";
  const float w = ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 4;
  ImGui::SameLine(std::max(ImGui::GetCursorPosX(), ImGui::GetWindowContentRegionMax().x - w));
  if (ImGui::SmallButton(label)) settings.theme = dark ? ThemeKind::kLight : ThemeKind::kDark;
}

// A thin accent line on top of the region the arrows go to.
void region_mark(bool active) {
  if (!active) return;
  const ImVec2 p = ImGui::GetWindowPos();
  const float w = ImGui::GetWindowWidth();
  ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + w, p.y + 2.0f), ImGui::GetColorU32(ImGuiCol_TabActive));
}

const char* tab_name(Tab t) {
  switch (t) {
    case Tab::kOverview: return "overview";
    case Tab::kProcesses: return "processes";
    case Tab::kEvents: return "events";
  }
  return "?";
}

}  // namespace

void InspectorView::note_click(KeyRegion region) {
  if (ImGui::IsWindowHovered(ImGuiHoveredFlags_ChildWindows) && ImGui::IsMouseClicked(0)) region_ = region;
}

void InspectorView::route_keys(InspectorModel& model, NodeView& node, const Keys& keys) {
  const bool table_shown = shown_tab_ != Tab::kOverview;
  // F6: tree -> table (when a tab with one is shown) -> alerts -> tree.
  if (keys.f6) {
    if (region_ == KeyRegion::kTree) region_ = table_shown ? KeyRegion::kMain : KeyRegion::kAlerts;
    else if (region_ == KeyRegion::kMain) region_ = KeyRegion::kAlerts;
    else region_ = KeyRegion::kTree;
  }
  if (region_ == KeyRegion::kMain && !table_shown) region_ = KeyRegion::kTree;
  if (keys.enter) detail_open_ = true;
  if (keys.slash) {
    if (region_ == KeyRegion::kMain && shown_tab_ == Tab::kProcesses) processes_.focus_filter = true;
    else if (region_ == KeyRegion::kMain && shown_tab_ == Tab::kEvents) events_.focus_filter = true;
    else tree_.focus_search = true;
  }
  if (keys.esc) {
    // First the selection, then the search of the region.
    if (!node.table.selected_pid().empty() || !node.tree.selected_id().empty()) {
      model.select_process("");
      node.events.clear_selection();
    } else if (region_ == KeyRegion::kMain && shown_tab_ == Tab::kProcesses) {
      processes_.filter[0] = '\0';
    } else if (region_ == KeyRegion::kMain && shown_tab_ == Tab::kEvents) {
      events_.filter[0] = '\0';
    } else {
      tree_.search[0] = '\0';
    }
  }
}

void InspectorView::draw(InspectorModel& model, const std::vector<LinkStatus>& links, Settings& settings) {
  if (report_.enabled) report_.begin_frame();
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("beamscope", nullptr, kRootFlags);
  if (ImGui::BeginMenuBar()) {
    draw_node_bar(model, links);
    theme_button(settings);
    ImGui::EndMenuBar();
  }
  const Keys keys = Keys::read();
  if (model.replay().active || model.replay().past_offered) {
    replay_keys(model.replay(), keys);
    draw_replay_bar(model.replay());
    ImGui::Separator();
  }
  NodeView* node = model.selected();
  if (!node) {
    waiting(model, links);
    ImGui::End();
    return;
  }
  if (keys.any()) route_keys(model, *node, keys);
  const Keys* tree_keys = region_ == KeyRegion::kTree ? &keys : nullptr;
  const Keys* main_keys = region_ == KeyRegion::kMain ? &keys : nullptr;
  const Keys* alert_keys = region_ == KeyRegion::kAlerts ? &keys : nullptr;
  // Columns: supervision tree | main tabs | detail. A resizable table keeps
  // the split (and its widths) in the ini file; a hidden detail gives its
  // width to the others.
  const ImGuiTableFlags flags = ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV;
  // The alerts strip keeps its height below the three columns.
  const float strip = alerts_strip_height();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float body = std::max(avail.y - strip, 100.0f);
  // The columns' children get the height explicitly: a table without its
  // own scrolling lets a (0, 0) child run to the window's bottom, over the strip.
  const ImVec2 cell(0, body - 2 * ImGui::GetStyle().CellPadding.y);
  if (ImGui::BeginTable("layout3", 3, flags, ImVec2(avail.x, body))) {
    ImGui::TableSetupColumn("tree", ImGuiTableColumnFlags_WidthStretch, 0.26f);
    ImGui::TableSetupColumn("main", ImGuiTableColumnFlags_WidthStretch, 0.48f);
    ImGui::TableSetupColumn("detail", ImGuiTableColumnFlags_WidthStretch | (detail_open_ ? 0 : ImGuiTableColumnFlags_Disabled),
                            0.26f);
    ImGui::TableNextColumn();
    ImGui::BeginChild("tree", cell);
    region_mark(region_ == KeyRegion::kTree);
    note_click(KeyRegion::kTree);
    draw_tree(model, *node, tree_, tree_keys, report_);
    ImGui::EndChild();
    ImGui::TableNextColumn();
    ImGui::BeginChild("main", cell);
    region_mark(region_ == KeyRegion::kMain);
    note_click(KeyRegion::kMain);
    draw_main(model, *node, main_keys, settings);
    ImGui::EndChild();
    if (detail_open_ && ImGui::TableNextColumn()) {
      ImGui::BeginChild("detail", cell);
      draw_detail(model, *node, detail_open_, report_);
      ImGui::EndChild();
    }
    ImGui::EndTable();
  }
  ImGui::Separator();
  ImGui::BeginChild("alerts", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  region_mark(region_ == KeyRegion::kAlerts);
  note_click(KeyRegion::kAlerts);
  draw_alerts_strip(model, *node, alert_keys, report_);
  ImGui::EndChild();
  ImGui::End();
  if (report_.enabled) {
    report_.detail_open = detail_open_;
    report_.key_region = region_ == KeyRegion::kTree ? "tree" : region_ == KeyRegion::kMain ? "main" : "alerts";
    report_.main_tab = tab_name(shown_tab_);
  }
}

void InspectorView::draw_main(InspectorModel& model, NodeView& node, const Keys* keys, Settings& settings) {
  if (!ImGui::BeginTabBar("main_tabs")) return;
  auto flags_for = [this](Tab t) {
    return has_pending_tab_ && pending_tab_ == t ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None;
  };
  const ImGuiTabItemFlags overview_flags = flags_for(Tab::kOverview);
  const ImGuiTabItemFlags processes_flags = flags_for(Tab::kProcesses);
  const ImGuiTabItemFlags events_flags = flags_for(Tab::kEvents);
  has_pending_tab_ = false;
  if (ImGui::BeginTabItem("Overview", nullptr, overview_flags)) {
    shown_tab_ = Tab::kOverview;
    ImGui::BeginChild("overview");
    draw_overview(node, overview_);
    ImGui::EndChild();
    ImGui::EndTabItem();
  }
  if (ImGui::BeginTabItem("Processes", nullptr, processes_flags)) {
    shown_tab_ = Tab::kProcesses;
    draw_processes(model, node, processes_, settings, keys, report_);
    ImGui::EndTabItem();
  }
  if (ImGui::BeginTabItem("Events", nullptr, events_flags)) {
    shown_tab_ = Tab::kEvents;
    draw_events(model, node, events_, keys, report_);
    ImGui::EndTabItem();
  }
  ImGui::EndTabBar();
}

}  // namespace beamscope::gui
