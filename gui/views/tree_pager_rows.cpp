// Pager lines of the tree; see tree_pager_rows.hpp.
#include "tree_pager_rows.hpp"

#include <imgui.h>

#include <algorithm>
#include <string>

#include "theme.hpp"

namespace beamscope::gui {
namespace {

constexpr ChildOrder kOrders[] = {v1::ChildrenRequest::BY_MAILBOX, v1::ChildrenRequest::BY_MEMORY,
                                  v1::ChildrenRequest::BY_REDUCTIONS, v1::ChildrenRequest::SUPERVISOR_ORDER};

bool button(const char* label, bool enabled) {
  ImGui::BeginDisabled(!enabled);
  const bool clicked = ImGui::SmallButton(label);
  ImGui::EndDisabled();
  ImGui::SameLine(0, 3);
  return clicked && enabled;
}

// What is shown (and "loading…" after it), or on its own line the problem.
void info_line(const PagerText& t, float x, bool problem_line) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const float right = min.x + ImGui::GetContentRegionAvail().x;
  const float h = ImGui::GetTextLineHeight();
  // One line, clipped: the full status is in the tooltip.
  ImGui::InvisibleButton("##pagerinfo", ImVec2(std::max(1.0f, right - min.x), h));
  const ImVec4 clip(min.x, min.y, right, min.y + h);
  const ImVec2 at(min.x + x, min.y);
  if (problem_line) dl->AddText(nullptr, 0.0f, at, theme::colors().warn, t.status.c_str(), nullptr, 0.0f, &clip);
  else dl->AddText(nullptr, 0.0f, at, theme::colors().muted, t.range.c_str(), nullptr, 0.0f, &clip);
  if (!problem_line && !t.status.empty() && !t.problem) {
    const float sx = at.x + ImGui::CalcTextSize(t.range.c_str()).x + 8.0f;
    dl->AddText(nullptr, 0.0f, ImVec2(sx, min.y), theme::colors().muted, t.status.c_str(), nullptr, 0.0f, &clip);
  }
  if (ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(t.range.c_str());
    if (!t.status.empty()) ImGui::TextUnformatted(t.status.c_str());
    ImGui::EndTooltip();
  }
}

void nav_line(NodeView& node, const std::string& sup, const PagerText& t, std::uint32_t total) {
  ChildrenPager& pager = node.pager;
  const PagerState* st = pager.find(sup);
  // Frame padding 0: the line keeps the tree's row pitch (the clipper counts on it).
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(4, 0));
  if (button("|<", t.can_prev)) pager.first(sup);
  if (button("<", t.can_prev)) pager.prev(sup);
  if (button(">", t.can_next)) pager.next(sup, total);
  if (button(">|", t.can_next)) pager.last(sup, total);
  const ChildOrder current = st ? st->order : v1::ChildrenRequest::BY_MAILBOX;
  ImGui::SetNextItemWidth(std::max(60.0f, std::min(150.0f, ImGui::GetContentRegionAvail().x)));
  if (ImGui::BeginCombo("##order", (std::string("by ") + order_label(current)).c_str())) {
    for (ChildOrder o : kOrders) {
      if (ImGui::Selectable(order_label(o), o == current)) pager.set_order(sup, o);
    }
    ImGui::EndCombo();
  }
  ImGui::PopStyleVar();
}

}  // namespace

void draw_pager_row(NodeView& node, const TreeRow& r) {
  const v1::TreeNode& sup = node.tree.node(r.node);
  const PagerState* st = node.pager.find(sup.id());
  const PagerText t = pager_text(st, r.shown, static_cast<std::uint32_t>(r.total));
  const std::uint32_t total = st && st->page ? st->page->total() : static_cast<std::uint32_t>(r.total);
  const float x = (r.depth + 1) * ImGui::GetFontSize() * 0.9f;
  ImGui::PushID(r.kind == TreeRow::Kind::kPager ? "pager" : r.kind == TreeRow::Kind::kPagerNav ? "nav" : "problem");
  ImGui::PushID(r.node);
  if (r.kind != TreeRow::Kind::kPagerNav) {
    info_line(t, x, r.kind == TreeRow::Kind::kPagerProblem);
  } else {
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() + x);
    nav_line(node, sup.id(), t, total);
  }
  ImGui::PopID();
  ImGui::PopID();
}

}  // namespace beamscope::gui
