// Detail panel; see detail_view.hpp.
#include "detail_view.hpp"

#include <imgui.h>

#include "process_detail_view.hpp"
#include "process_inquiry_view.hpp"
#include "tree_detail_view.hpp"

namespace beamscope::gui {

void draw_detail(InspectorModel& model, NodeView& node, bool& open, DrawReport& report) {
  // The hide button sits at the top right, above whatever is shown.
  const char* hide = "hide \xE2\x96\xB8";
  const float w = ImGui::CalcTextSize(hide).x + ImGui::GetStyle().FramePadding.x * 2;
  const ImVec2 start = ImGui::GetCursorPos();
  ImGui::SetCursorPosX(start.x + std::max(0.0f, ImGui::GetContentRegionAvail().x - w));
  if (ImGui::SmallButton(hide)) open = false;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Hide the detail panel (Enter shows it again)");
  ImGui::SetCursorPos(start);
  const bool entry = draw_tree_identity(node);
  const auto sel = node.table.selection();
  const v1::TreeNode* e = node.tree.selected();
  // A tree entry's process figures follow when the sample is of its process.
  const bool process = sel.sample && (!e || e->pid().empty() || e->pid() == sel.sample->pid());
  if (!entry && !process && !node.table.selected_pid().empty()) {
    // A pid from an event, say, of a process the hot set never held (or gone).
    ImGui::TextUnformatted(node.table.selected_pid().c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("copy pid")) ImGui::SetClipboardText(node.table.selected_pid().c_str());
    ImGui::Separator();
    // Not in the hot set nor in a tree: what the agent answers is all there is.
    if (!draw_process_inquiry(model, node, report))
      ImGui::TextWrapped("Not in the hot set and in no supervision tree: asking the agent.");
    return;
  }
  if (!entry && !(process && draw_process_header(node))) {
    ImGui::TextDisabled("Detail");
    ImGui::Separator();
    ImGui::TextWrapped("Select a process in the Processes tab or an entry in the tree (arrows walk them, "
                       "F6 moves between them) to see its mailbox, memory, heap, GC figures and restarts.");
    return;
  }
  ImGui::Spacing();
  draw_mailbox(model, node, report);
  draw_restart_history(node);
  // The agent's answer, fresh every 2 s; the hot set's sample until it comes.
  const bool asked = !node.table.selected_pid().empty() && draw_process_inquiry(model, node, report);
  if (process && !asked) {
    ImGui::Spacing();
    draw_process_fields(node);
  }
}

}  // namespace beamscope::gui
