// Tree entry detail; see tree_detail_view.hpp.
#include "tree_detail_view.hpp"

#include <imgui.h>

#include <cctype>
#include <string>

#include "beamscope/protocol/supervision.hpp"
#include "detail_fields.hpp"
#include "format.hpp"
#include "theme.hpp"

namespace beamscope::gui {
namespace {

std::string join(const google::protobuf::RepeatedPtrField<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void identity(const v1::TreeNode& n, std::size_t received, bool sampled) {
  if (!ImGui::BeginTable("tree_fields", 2, ImGuiTableFlags_SizingFixedFit)) return;
  ImGui::TableSetupColumn("k", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("v", ImGuiTableColumnFlags_WidthStretch);
  detail_field("path", n.id());
  detail_field("application", n.application());
  if (!n.pid_state().empty()) detail_field("state", n.pid_state());
  if (n.kind() != v1::TreeNode::APPLICATION) {
    detail_field("restart", n.restart_type());
    detail_field("shutdown", n.shutdown());
    detail_field("modules", join(n.modules()));
  }
  if (n.kind() == v1::TreeNode::SUPERVISOR) {
    detail_field("strategy", n.strategy());
    const std::size_t total = std::max<std::size_t>(n.children_total(), received);
    detail_field("children", format_count(total) + (total > received ? " (" + format_count(received) + " sent)" : ""));
  } else if (n.kind() != v1::TreeNode::APPLICATION && !sampled) {
    // The mailbox has one line of its own (with its age) below; memory too
    // when the hot set has a fresher figure.
    detail_field("memory", format_bytes(n.memory_bytes()));
  }
  if (n.kind() == v1::TreeNode::SUPERVISOR) {
    detail_field("children's restarts", format_count(n.restarts_total()));
    detail_field("restarted itself", format_count(n.self_restarts_total()));
  } else {
    detail_field("restarts", format_count(n.restarts_total()));
  }
  if (n.unresponsive() || !n.walk_error().empty()) detail_field("walk", n.walk_error().empty() ? "no answer" : n.walk_error());
  ImGui::EndTable();
}

// Intensity headroom: how much of the restart budget the period has used.
void headroom_gauge(const v1::TreeNode& n) {
  const std::uint32_t used = n.restarts_in_period(), limit = n.intensity();
  const float frac = limit == 0 ? (used > 0 ? 1.0f : 0.0f) : std::min(1.0f, static_cast<float>(used) / limit);
  const TreeHealth h = tree_health(n);
  const ImU32 colour = h == TreeHealth::kEscalated ? theme::colors().bad
                       : h == TreeHealth::kNearLimit ? theme::colors().warn
                                                     : theme::colors().good;
  ImGui::TextDisabled("Restart intensity");
  const auto left = protocol::restart_headroom(n);
  const std::string text = std::to_string(used) + " of " + std::to_string(limit) + " in " +
                           std::to_string(n.period_s()) + " s \xE2\x80\x94 " +
                           (n.escalated() ? std::string("escalated")
                            : left        ? std::to_string(*left) + " left"
                                          : std::string("flags not read"));
  ImGui::PushStyleColor(ImGuiCol_PlotHistogram, colour);
  ImGui::ProgressBar(frac, ImVec2(-1, 0), text.c_str());
  ImGui::PopStyleColor();
}

void history(const v1::TreeNode& n) {
  ImGui::TextDisabled("Restart history (%d recent of %s)", n.recent_restarts_size(),
                      format_count(n.restarts_total()).c_str());
  if (n.recent_restarts_size() == 0) return;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_BordersInnerV;
  if (!ImGui::BeginTable("restarts", 2, flags)) return;
  ImGui::TableSetupColumn("time", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("reason", ImGuiTableColumnFlags_WidthStretch);
  // Newest first: the last restart is the one being investigated.
  for (int i = n.recent_restarts_size() - 1; i >= 0; --i) {
    const auto& r = n.recent_restarts(i);
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(event_clock(r.time_us()).c_str());
    ImGui::TableNextColumn();
    ImGui::PushStyleColor(ImGuiCol_Text, theme::colors().restart);
    ImGui::TextWrapped("%s", r.reason().empty() ? "(no reason)" : r.reason().c_str());
    ImGui::PopStyleColor();
    // The agent may not know the new pid yet (it learns it at its next walk).
    if (!r.new_pid().empty())
      ImGui::TextDisabled("%s \xE2\x86\x92 %s", r.old_pid().c_str(), r.new_pid().c_str());
    else if (!r.old_pid().empty())
      ImGui::TextDisabled("was %s", r.old_pid().c_str());
  }
  ImGui::EndTable();
}

}  // namespace

bool draw_tree_identity(NodeView& node) {
  const v1::TreeNode* n = node.tree.selected();
  if (!n) return false;
  ImGui::Text("%s", tree_display_name(*n).c_str());
  ImGui::SameLine();
  std::string kind = v1::TreeNode::Kind_Name(n->kind());
  for (auto& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  ImGui::TextDisabled("%s", kind.c_str());
  if (!n->pid().empty()) {
    ImGui::TextUnformatted(n->pid().c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("copy pid##tree")) ImGui::SetClipboardText(n->pid().c_str());
  }
  ImGui::Separator();
  const auto sel = node.table.selection();
  identity(*n, node.tree.child_count(node.tree.find(n->id())), sel.sample && sel.sample->pid() == n->pid());
  if (n->kind() == v1::TreeNode::SUPERVISOR) {
    ImGui::Spacing();
    headroom_gauge(*n);
  }
  return true;
}

void draw_restart_history(NodeView& node) {
  const v1::TreeNode* n = node.tree.selected();
  if (!n || n->kind() == v1::TreeNode::APPLICATION) return;
  ImGui::Spacing();
  history(*n);
}

}  // namespace beamscope::gui
