// Supervision tree region; see tree_view.hpp.
#include "tree_view.hpp"

#include <imgui.h>

#include <string>
#include <vector>

#include "format.hpp"
#include "theme.hpp"
#include "tree_pager_rows.hpp"

namespace beamscope::gui {
namespace {

constexpr const char* kOpen = "\xE2\x96\xBE";    // ▾
constexpr const char* kClosed = "\xE2\x96\xB8";  // ▸
constexpr const char* kRestartMark = "\xE2\x86\xBB";  // ↻

ImU32 health_colour(TreeHealth h) {
  switch (h) {
    case TreeHealth::kRunning: return theme::kGood;
    case TreeHealth::kNearLimit:
    case TreeHealth::kRestarting: return theme::kWarn;
    case TreeHealth::kEscalated:
    case TreeHealth::kUnresponsive: return theme::kBad;
    case TreeHealth::kNotRunning: return theme::kMuted;
  }
  return theme::kMuted;
}

struct Badge {
  std::string text;
  ImU32 fill;
  ImU32 ink;
  bool outline = false;  // supervisors' restart totals: their children's, not their own
  bool plain = false;    // text only: memory is on every row, it must not shout
};

// Words next to the colours, so colour is never the only signal.
std::vector<Badge> badges_for(const v1::TreeNode& n, std::size_t received) {
  std::vector<Badge> out;  // drawn right to left
  const ImU32 dark = IM_COL32(20, 20, 24, 255), light = IM_COL32(225, 228, 235, 255);
  const ImU32 chip = IM_COL32(48, 53, 64, 255);
  if (n.kind() != v1::TreeNode::APPLICATION) {
    if (n.memory_bytes() != 0) out.push_back({format_bytes(n.memory_bytes()), 0, theme::kMuted, false, true});
    if (n.message_queue_len() != 0) out.push_back({format_count(n.message_queue_len()) + " msg", chip, light});
  }
  const bool sup = n.kind() == v1::TreeNode::SUPERVISOR;
  if (n.restarts_total() != 0)
    out.push_back({std::string(kRestartMark) + " " + format_count(n.restarts_total()), theme::kRestart,
                   sup ? theme::kRestart : dark, sup});
  const std::size_t total = std::max<std::size_t>(n.children_total(), received);
  if (sup && total > TreeModel::kAutoExpandChildren) out.push_back({format_count(total) + " children", chip, light});
  switch (tree_health(n)) {
    case TreeHealth::kEscalated: out.push_back({"escalated", theme::kBad, dark}); break;
    case TreeHealth::kUnresponsive: out.push_back({"no answer", theme::kBad, dark}); break;
    case TreeHealth::kNearLimit:
      out.push_back({std::to_string(n.restarts_in_period()) + "/" + std::to_string(n.intensity()) + " restarts",
                     theme::kWarn, dark});
      break;
    case TreeHealth::kRestarting: out.push_back({"restarting", theme::kWarn, dark}); break;
    default: break;
  }
  return out;
}

// Badges hug the right edge; returns the x where they begin.
float draw_badges(ImDrawList* dl, const std::vector<Badge>& badges, ImVec2 row_min, float right, float h) {
  const float pad = 4.0f, gap = 4.0f;
  float x = right;
  for (const auto& b : badges) {
    const ImVec2 ts = ImGui::CalcTextSize(b.text.c_str());
    const float w = ts.x + 2 * pad;
    const ImVec2 a(x - w, row_min.y + 1), z(x, row_min.y + h - 1);
    if (a.x < row_min.x) break;  // no room left
    if (b.outline) dl->AddRect(a, z, b.fill, 3.0f);
    else if (!b.plain) dl->AddRectFilled(a, z, b.fill, 3.0f);
    dl->AddText(ImVec2(a.x + pad, row_min.y + (h - ts.y) / 2), b.ink, b.text.c_str());
    x = a.x - gap;
  }
  return x;
}

void tooltip(const v1::TreeNode& n) {
  ImGui::BeginTooltip();
  ImGui::TextUnformatted(n.id().c_str());
  ImGui::TextDisabled("%s %s", v1::TreeNode::Kind_Name(n.kind()).c_str(), n.pid().c_str());
  if (!n.walk_error().empty()) ImGui::TextWrapped("walk: %s", n.walk_error().c_str());
  ImGui::EndTooltip();
}

void node_row(InspectorModel& model, TreeModel& tree, const TreeRow& r, double now) {
  const v1::TreeNode& n = tree.node(r.node);
  const float h = ImGui::GetTextLineHeight();  // the row pitch adds ItemSpacing.y
  const float indent = ImGui::GetFontSize() * 0.9f;
  ImGui::PushID(r.node);
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x;
  const bool selected = tree.selected_id() == n.id();
  if (ImGui::Selectable("##row", selected, ImGuiSelectableFlags_AllowDoubleClick, ImVec2(width, h))) {
    const float arrow_x = min.x + r.depth * indent;
    const bool on_arrow = ImGui::GetIO().MousePos.x < arrow_x + indent;
    if (r.has_children && (on_arrow || ImGui::IsMouseDoubleClicked(0))) tree.toggle(r.node);
    else model.select_tree_entry(n.id());
  }
  if (ImGui::IsItemHovered()) tooltip(n);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  // A restarted child flashes: a fading wash in the restart hue.
  if (const float f = tree.flash(r.node, now); f > 0.0f) {
    dl->AddRectFilled(min, ImVec2(min.x + width, min.y + h), IM_COL32(205, 100, 40, static_cast<int>(140 * f)));
  }
  float x = min.x + r.depth * indent;
  const float ty = min.y + (h - ImGui::GetFontSize()) / 2;
  if (r.has_children) dl->AddText(ImVec2(x, ty), theme::kMuted, r.expanded ? kOpen : kClosed);
  x += indent;
  const TreeHealth health = tree_health(n);
  const float radius = ImGui::GetFontSize() * 0.22f;
  dl->AddCircleFilled(ImVec2(x + radius, min.y + h / 2), radius, health_colour(health));
  x += 2 * radius + 5.0f;
  const float name_end = draw_badges(dl, badges_for(n, tree.child_count(r.node)), min, min.x + width, h);
  ImU32 ink = ImGui::GetColorU32(ImGuiCol_Text);
  if (health == TreeHealth::kEscalated || health == TreeHealth::kUnresponsive) ink = theme::kBad;
  else if (health == TreeHealth::kNearLimit) ink = theme::kWarn;
  else if (health == TreeHealth::kNotRunning || n.kind() == v1::TreeNode::HELPER) ink = theme::kMuted;
  const std::string name = tree_display_name(n);
  const ImVec4 clip(x, min.y, std::max(x, name_end - 4.0f), min.y + h);
  dl->AddText(nullptr, 0.0f, ImVec2(x, ty), ink, name.c_str(), nullptr, 0.0f, &clip);
  if (r.match) dl->AddLine(ImVec2(x, ty + ImGui::GetFontSize()), ImVec2(std::min(clip.z, x + ImGui::CalcTextSize(name.c_str()).x), ty + ImGui::GetFontSize()), theme::kWarn);
  ImGui::PopID();
}

void more_row(TreeModel& tree, const TreeRow& r) {
  ImGui::PushID(-1 - r.node);
  ImGui::SetCursorPosX(ImGui::GetCursorPosX() + (r.depth + 1) * ImGui::GetFontSize() * 0.9f);
  // Children the agent did not send get a pager instead (tree_pager_rows).
  const std::string label = "show " + format_count(std::min(TreeModel::kPageSize, r.received - r.shown)) +
                            " more (" + format_count(r.shown) + " of " + format_count(r.total) + ")";
  if (ImGui::Selectable(label.c_str())) tree.show_more(r.node);
  ImGui::PopID();
}

void keyboard(InspectorModel& model, TreeModel& tree) {
  auto pressed = [](ImGuiKey k) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(k)); };
  const std::string before = tree.selected_id();
  if (pressed(ImGuiKey_DownArrow)) tree.move_selection(1);
  if (pressed(ImGuiKey_UpArrow)) tree.move_selection(-1);
  if (pressed(ImGuiKey_PageDown)) tree.move_selection(20);
  if (pressed(ImGuiKey_PageUp)) tree.move_selection(-20);
  if (pressed(ImGuiKey_RightArrow)) tree.open_selected(true);
  if (pressed(ImGuiKey_LeftArrow)) tree.open_selected(false);
  if (pressed(ImGuiKey_Enter) || pressed(ImGuiKey_KeyPadEnter)) {
    const int k = tree.selected_row();
    if (k >= 0) tree.toggle(tree.rows()[k].node);
  }
  // The detail panel follows the keyboard selection.
  if (tree.selected_id() != before) model.select_tree_entry(tree.selected_id());
}

}  // namespace

void draw_tree(InspectorModel& model, NodeView& node, TreeViewState& state) {
  TreeModel& tree = node.tree;
  const ImGuiIO& io = ImGui::GetIO();
  // `/` jumps to the search box from anywhere but another text field.
  bool focus_search = false;
  if (!io.WantTextInput)
    for (int i = 0; i < io.InputQueueCharacters.Size; ++i) focus_search |= io.InputQueueCharacters[i] == '/';
  if (focus_search) ImGui::SetKeyboardFocusHere();
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##treesearch", "/ search: name, pid, module", state.search.data(), state.search.size());
  if (ImGui::IsItemActive() && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) state.search[0] = '\0';
  tree.set_filter(state.search.data());
  if (tree.size() == 0) {
    ImGui::TextDisabled("Supervision tree");
    ImGui::TextWrapped("No tree from this node yet (the agent walks it after start).");
    return;
  }
  ImGui::BeginChild("tree_rows", ImVec2(0, 0), false, ImGuiWindowFlags_NoNavInputs);
  if (ImGui::IsWindowFocused() && !io.WantTextInput) keyboard(model, tree);
  const auto& rows = tree.rows();
  const float h = ImGui::GetTextLineHeightWithSpacing();
  if (tree.take_scroll_request()) {
    const int k = tree.selected_row();
    const float y = k * h, top = ImGui::GetScrollY(), view = ImGui::GetWindowHeight();
    if (k >= 0 && y < top) ImGui::SetScrollY(y);
    else if (k >= 0 && y + h > top + view) ImGui::SetScrollY(y + 2 * h - view);
  }
  const double now = monotonic_s();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows.size()), h);
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      // A click may rebuild the rows (expand, page) mid-loop: index afresh, copy the row.
      if (static_cast<std::size_t>(i) >= tree.rows().size()) break;
      const TreeRow r = tree.rows()[static_cast<std::size_t>(i)];
      if (r.kind == TreeRow::Kind::kMore) more_row(tree, r);
      else if (r.kind == TreeRow::Kind::kNode) node_row(model, tree, r, now);
      else draw_pager_row(node, r);
    }
  }
  ImGui::EndChild();
}

}  // namespace beamscope::gui
