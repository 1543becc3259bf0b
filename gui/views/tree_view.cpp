// Supervision tree region; see tree_view.hpp.
#include "tree_view.hpp"

#include <imgui.h>

#include <algorithm>
#include <string>
#include <vector>

#include "format.hpp"
#include "row_fit.hpp"
#include "theme.hpp"
#include "tree_pager_rows.hpp"

namespace beamscope::gui {
namespace {

constexpr const char* kOpen = "\xE2\x96\xBE";    // ▾
constexpr const char* kClosed = "\xE2\x96\xB8";  // ▸
constexpr const char* kRestartMark = "\xE2\x86\xBB";  // ↻

ImU32 health_colour(TreeHealth h) {
  switch (h) {
    case TreeHealth::kRunning: return theme::colors().good;
    case TreeHealth::kNearLimit:
    case TreeHealth::kRestarting: return theme::colors().warn;
    case TreeHealth::kEscalated:
    case TreeHealth::kUnresponsive: return theme::colors().bad;
    case TreeHealth::kNotRunning: return theme::colors().muted;
  }
  return theme::colors().muted;
}

struct Badge {
  std::string text;
  std::string shorter;   // "" when it has no short form
  ImU32 fill;
  ImU32 ink;
  int priority;          // higher stays longer when the row is narrow (row_fit.hpp)
  bool outline = false;  // supervisors' restart totals: their children's, not their own
  bool plain = false;    // text only: memory is on every row, it must not shout
};

// Words next to the colours, so colour is never the only signal. Drawn
// right to left: memory at the edge, health nearest the name.
// `sample`: the hot set's fresher read of the entry's process, if any (one
// mailbox figure per process: the detail panel shows the same).
std::vector<Badge> badges_for(const v1::TreeNode& n, std::size_t received, const v1::ProcessSample* sample) {
  const theme::Palette& c = theme::colors();
  std::vector<Badge> out;
  if (n.kind() != v1::TreeNode::APPLICATION) {
    const std::uint64_t memory = sample && !sample->memory_guarded() ? sample->memory_bytes() : n.memory_bytes();
    const std::uint64_t mailbox = sample ? sample->message_queue_len() : n.message_queue_len();
    if (memory != 0) out.push_back({format_bytes(memory), "", 0, c.muted, 0, false, true});
    if (mailbox != 0)
      out.push_back({format_count(mailbox) + " msg", format_si(static_cast<double>(mailbox)), c.chip, c.chip_ink, 2});
  }
  const bool sup = n.kind() == v1::TreeNode::SUPERVISOR;
  if (n.restarts_total() != 0)
    out.push_back({std::string(kRestartMark) + " " + format_count(n.restarts_total()),
                   std::string(kRestartMark) + format_si(static_cast<double>(n.restarts_total())), c.restart,
                   sup ? c.restart : c.badge_ink, 3, sup});
  const std::size_t total = std::max<std::size_t>(n.children_total(), received);
  if (sup && total > TreeModel::kAutoExpandChildren)
    out.push_back({format_count(total) + " children", format_si(static_cast<double>(total)), c.chip, c.chip_ink, 1});
  switch (tree_health(n)) {
    case TreeHealth::kEscalated: out.push_back({"escalated", "esc", c.bad, c.badge_ink, 4}); break;
    case TreeHealth::kUnresponsive: out.push_back({"no answer", "?", c.bad, c.badge_ink, 4}); break;
    case TreeHealth::kNearLimit:
      out.push_back({std::to_string(n.restarts_in_period()) + "/" + std::to_string(n.intensity()) + " restarts",
                     std::to_string(n.restarts_in_period()) + "/" + std::to_string(n.intensity()), c.warn, c.badge_ink, 4});
      break;
    case TreeHealth::kRestarting: out.push_back({"restarting", "", c.warn, c.badge_ink, 4}); break;
    default: break;
  }
  return out;
}

constexpr float kBadgePad = 4.0f, kBadgeGap = 4.0f;

float badge_width(const std::string& text) { return ImGui::CalcTextSize(text.c_str()).x + 2 * kBadgePad; }

// Badges hug the right edge in the forms `fit` chose.
void draw_badges(ImDrawList* dl, const std::vector<Badge>& badges, const RowFit& fit, ImVec2 row_min, float right,
                 float h) {
  float x = right;
  for (std::size_t i = 0; i < badges.size(); ++i) {
    if (fit.forms[i] == BadgeForm::kDropped) continue;
    const Badge& b = badges[i];
    const std::string& text = fit.forms[i] == BadgeForm::kShort ? b.shorter : b.text;
    const ImVec2 ts = ImGui::CalcTextSize(text.c_str());
    const float w = ts.x + 2 * kBadgePad;
    const ImVec2 a(x - w, row_min.y + 1), z(x, row_min.y + h - 1);
    if (b.outline) dl->AddRect(a, z, b.fill, 3.0f);
    else if (!b.plain) dl->AddRectFilled(a, z, b.fill, 3.0f);
    dl->AddText(ImVec2(a.x + kBadgePad, row_min.y + (h - ts.y) / 2), b.ink, text.c_str());
    x = a.x - kBadgeGap;
  }
}

// The longest prefix of `s` (whole UTF-8 characters) that fits `max_w`
// with "…" after it.
std::string elide(const std::string& s, float max_w) {
  static const char* kEllipsis = "\xE2\x80\xA6";
  const float ell = ImGui::CalcTextSize(kEllipsis).x;
  std::size_t lo = 0, hi = s.size();
  while (lo < hi) {  // binary search on byte length, then back to a character boundary
    const std::size_t mid = (lo + hi + 1) / 2;
    if (ImGui::CalcTextSize(s.c_str(), s.c_str() + mid).x + ell <= max_w) lo = mid;
    else hi = mid - 1;
  }
  while (lo > 0 && lo < s.size() && (static_cast<unsigned char>(s[lo]) & 0xC0) == 0x80) --lo;
  return s.substr(0, lo) + kEllipsis;
}

void tooltip(const v1::TreeNode& n, const std::string& name) {
  ImGui::BeginTooltip();
  ImGui::TextUnformatted(name.c_str());
  ImGui::TextDisabled("%s", n.id().c_str());
  ImGui::TextDisabled("%s %s", v1::TreeNode::Kind_Name(n.kind()).c_str(), n.pid().c_str());
  if (!n.walk_error().empty()) ImGui::TextWrapped("walk: %s", n.walk_error().c_str());
  ImGui::EndTooltip();
}

void node_row(InspectorModel& model, NodeView& node, const TreeRow& r, double now, DrawReport& report) {
  TreeModel& tree = node.tree;
  const v1::TreeNode& n = tree.node(r.node);
  const theme::Palette& c = theme::colors();
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
  const std::string name = tree_display_name(n);
  if (ImGui::IsItemHovered()) tooltip(n, name);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  // A restarted child flashes: a fading wash in the restart hue.
  if (const float f = tree.flash(r.node, now); f > 0.0f) {
    const ImU32 wash = (c.restart & ~IM_COL32_A_MASK) | (static_cast<ImU32>(140 * f) << IM_COL32_A_SHIFT);
    dl->AddRectFilled(min, ImVec2(min.x + width, min.y + h), wash);
  }
  float x = min.x + r.depth * indent;
  const float ty = min.y + (h - ImGui::GetFontSize()) / 2;
  if (r.has_children) dl->AddText(ImVec2(x, ty), c.muted, r.expanded ? kOpen : kClosed);
  x += indent;
  const TreeHealth health = tree_health(n);
  const float radius = ImGui::GetFontSize() * 0.22f;
  dl->AddCircleFilled(ImVec2(x + radius, min.y + h / 2), radius, health_colour(health));
  x += 2 * radius + 5.0f;
  // The name is owed its width; badges shrink or leave first (row_fit.hpp).
  const v1::ProcessSample* sample = n.pid().empty() ? nullptr : node.table.find(n.pid());
  const std::vector<Badge> badges = badges_for(n, tree.child_count(r.node), sample);
  std::vector<BadgeSize> sizes;
  sizes.reserve(badges.size());
  for (const Badge& b : badges) {
    const float full = badge_width(b.text);
    sizes.push_back({full, b.shorter.empty() ? full : badge_width(b.shorter), b.priority});
  }
  const float name_w = ImGui::CalcTextSize(name.c_str()).x;
  const RowFit fit = fit_row(min.x + width - x, name_w, kBadgeGap, sizes);
  draw_badges(dl, badges, fit, min, min.x + width, h);
  ImU32 ink = ImGui::GetColorU32(ImGuiCol_Text);
  if (health == TreeHealth::kEscalated || health == TreeHealth::kUnresponsive) ink = c.bad;
  else if (health == TreeHealth::kNearLimit) ink = c.warn;
  else if (health == TreeHealth::kNotRunning || n.kind() == v1::TreeNode::HELPER) ink = c.muted;
  const std::string shown = fit.name_elided ? elide(name, fit.name_width) : name;
  dl->AddText(ImVec2(x, ty), ink, shown.c_str());
  const float shown_w = fit.name_elided ? ImGui::CalcTextSize(shown.c_str()).x : name_w;
  if (r.match) dl->AddLine(ImVec2(x, ty + ImGui::GetFontSize()), ImVec2(x + shown_w, ty + ImGui::GetFontSize()), c.warn);
  if (report.enabled) {
    DrawReport::TreeRowDrawn d{n.id(), name, name_w, fit.name_width, fit.name_elided};
    for (BadgeForm f : fit.forms) {
      d.badges_full += f == BadgeForm::kFull;
      d.badges_short += f == BadgeForm::kShort;
      d.badges_dropped += f == BadgeForm::kDropped;
    }
    report.tree_rows.push_back(std::move(d));
  }
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

void keyboard(InspectorModel& model, TreeModel& tree, const Keys& keys) {
  const std::string before = tree.selected_id();
  if (keys.move != 0) tree.move_selection(keys.move);
  if (keys.right) tree.open_selected(true);
  if (keys.left) tree.open_selected(false);
  // The detail panel follows the keyboard selection.
  if (tree.selected_id() != before) model.select_tree_entry(tree.selected_id());
}

}  // namespace

void draw_tree(InspectorModel& model, NodeView& node, TreeViewState& state, const Keys* keys, DrawReport& report) {
  TreeModel& tree = node.tree;
  if (state.focus_search) ImGui::SetKeyboardFocusHere();
  state.focus_search = false;
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##treesearch", "/ search: name, pid, module", state.search.data(), state.search.size());
  // Esc in the box clears it (ImGui's own Esc only reverts this edit).
  if ((ImGui::IsItemActive() || ImGui::IsItemDeactivated()) && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)))
    state.search[0] = '\0';
  tree.set_filter(state.search.data());
  if (report.enabled) report.tree_search = state.search.data();
  if (tree.size() == 0) {
    ImGui::TextDisabled("Supervision tree");
    ImGui::TextWrapped("No tree from this node yet (the agent walks it after start).");
    return;
  }
  ImGui::BeginChild("tree_rows", ImVec2(0, 0), false, ImGuiWindowFlags_NoNavInputs);
  if (keys) keyboard(model, tree, *keys);
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
      else if (r.kind == TreeRow::Kind::kNode) node_row(model, node, r, now, report);
      else draw_pager_row(node, r);
    }
  }
  ImGui::EndChild();
}

}  // namespace beamscope::gui
