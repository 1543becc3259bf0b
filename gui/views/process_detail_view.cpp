// Process detail panel; see process_detail_view.hpp.
#include "process_detail_view.hpp"

#include <imgui.h>

#include <cmath>

#include "chart.hpp"
#include "format.hpp"
#include "theme.hpp"

namespace beamscope::gui {
namespace {

std::string fmt_count(double v) { return format_count(static_cast<std::uint64_t>(std::max(0.0, v))); }

void field(const char* label, const std::string& value) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextDisabled("%s", label);
  ImGui::TableNextColumn();
  ImGui::TextWrapped("%s", value.empty() ? "-" : value.c_str());
}

void fields(const v1::ProcessSample& p, std::uint64_t word) {
  if (!ImGui::BeginTable("fields", 2, ImGuiTableFlags_SizingFixedFit)) return;
  ImGui::TableSetupColumn("k", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("v", ImGuiTableColumnFlags_WidthStretch);
  field("registered", p.registered_name());
  field("initial call", p.initial_call());
  field("application", p.application());
  field("status", p.status());
  field("current", p.current_function());
  field("mailbox", format_count(p.message_queue_len()) + " messages");
  field("memory", p.memory_guarded() ? "not read: mailbox above the guard" : format_bytes(p.memory_bytes()));
  field("heap", format_bytes(p.heap_size_words() * word));
  field("total heap", format_bytes(p.total_heap_size_words() * word));
  field("stack", format_bytes(p.stack_size_words() * word));
  field("minor GCs", format_count(p.minor_gcs()));
  field("fullsweep after", format_count(p.fullsweep_after()));
  field("reductions", format_count(p.reductions()));
  field("reductions/s", format_si(static_cast<double>(p.reductions_per_s())) + "/s");
  ImGui::EndTable();
}

}  // namespace

void draw_process_detail(NodeView& node) {
  const auto sel = node.table.selection();
  if (!sel.sample) {
    ImGui::TextDisabled("Process detail");
    ImGui::Separator();
    ImGui::TextWrapped("Select a process in the Processes tab to see its mailbox, memory, heap and GC figures.");
    return;
  }
  const v1::ProcessSample& p = *sel.sample;
  ImGui::Text("%s", display_name(p).c_str());
  ImGui::TextUnformatted(p.pid().c_str());
  ImGui::SameLine();
  if (ImGui::SmallButton("copy pid")) ImGui::SetClipboardText(p.pid().c_str());
  if (!sel.in_hot_set) {
    ImGui::PushStyleColor(ImGuiCol_Text, theme::kWarn);
    ImGui::TextWrapped("Left the hot set (or exited): last known values.");
    ImGui::PopStyleColor();
  }
  ImGui::Separator();
  fields(p, node.table.word_size());
  ImGui::Spacing();
  line_chart("##selmbox", {"Mailbox since selected", fmt_count, NodeView::kTrackCapacity, 90.0f},
             {{"messages", &node.selected_mailbox, theme::kSeries[1]}});
}

}  // namespace beamscope::gui
