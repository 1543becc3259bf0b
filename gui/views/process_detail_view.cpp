// Process parts of the detail panel; see process_detail_view.hpp.
#include "process_detail_view.hpp"

#include <imgui.h>

#include <cmath>

#include "beamscope/protocol/framing.hpp"
#include "chart.hpp"
#include "detail_fields.hpp"
#include "format.hpp"
#include "theme.hpp"

namespace beamscope::gui {
namespace {

std::string fmt_count(double v) { return format_count(static_cast<std::uint64_t>(std::max(0.0, v))); }

}  // namespace

bool draw_process_header(NodeView& node) {
  const auto sel = node.table.selection();
  if (!sel.sample) return false;
  const v1::ProcessSample& p = *sel.sample;
  ImGui::Text("%s", display_name(p).c_str());
  ImGui::TextUnformatted(p.pid().c_str());
  ImGui::SameLine();
  if (ImGui::SmallButton("copy pid")) ImGui::SetClipboardText(p.pid().c_str());
  if (!p.registered_name().empty()) {
    ImGui::SameLine();
    if (ImGui::SmallButton("copy name")) ImGui::SetClipboardText(p.registered_name().c_str());
  }
  ImGui::Separator();
  return true;
}

void draw_mailbox(InspectorModel& model, NodeView& node, DrawReport& report) {
  const MailboxReading m = model.selection_mailbox(monotonic_s(), protocol::now_us());
  if (!m.known()) return;
  const theme::Palette& c = theme::colors();
  const std::string age = format_age(m.read_at_us, protocol::now_us());
  const std::string count = format_count(m.messages) + " messages";
  if (report.enabled) {
    report.detail_lines.push_back("mailbox: " + count);
    report.detail_lines.push_back(std::string("read: ") + mailbox_source_text(m.source));
  }
  if (!ImGui::BeginTable("mailbox", 2, ImGuiTableFlags_SizingFixedFit)) return;
  ImGui::TableSetupColumn("k", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("v", ImGuiTableColumnFlags_WidthStretch);
  detail_field("mailbox", count);
  detail_field("read", age + ", " + mailbox_source_text(m.source));
  if (m.has_growth) {
    const std::string growth = format_growth(m.growth_per_s);
    const std::string alarm = format_to_alarm(m.growth_per_s, m.seconds_to_threshold);
    const AlarmOutlook o = alarm_outlook(m.growth_per_s, m.seconds_to_threshold);
    detail_field("growth", growth, c.warn, m.growth_per_s > 0);
    detail_field("to alarm",
                   o == AlarmOutlook::kNotGrowing ? "not growing"
                   : o == AlarmOutlook::kReached  ? "reached mailbox_alarm, still growing"
                                                  : "in " + alarm + " at this growth",
                   c.bad, o != AlarmOutlook::kNotGrowing);
    if (report.enabled) {
      report.detail_lines.push_back("growth: " + growth);
      report.detail_lines.push_back("to alarm: " + alarm);
    }
  }
  ImGui::EndTable();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("One figure: the freshest read of this process's message queue.\n"
                      "Growth and time to mailbox_alarm are the agent's, across recent sweeps.");
  line_chart("##selmbox", {"Mailbox since selected", fmt_count, NodeView::kTrackCapacity, 90.0f},
             {{"messages", &node.selected_mailbox, c.series[1]}});
}

void draw_process_fields(NodeView& node) {
  const auto sel = node.table.selection();
  if (!sel.sample) return;
  const v1::ProcessSample& p = *sel.sample;
  const std::uint64_t word = node.table.word_size();
  if (!sel.in_hot_set) {
    ImGui::PushStyleColor(ImGuiCol_Text, theme::colors().warn);
    ImGui::TextWrapped("%s left the hot set (or exited): last known values.", p.pid().c_str());
    ImGui::PopStyleColor();
  }
  if (!ImGui::BeginTable("fields", 2, ImGuiTableFlags_SizingFixedFit)) return;
  ImGui::TableSetupColumn("k", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("v", ImGuiTableColumnFlags_WidthStretch);
  detail_field("registered", p.registered_name());
  detail_field("initial call", p.initial_call());
  detail_field("application", p.application());
  detail_field("status", p.status());
  detail_field("current", p.current_function());
  detail_field("memory", p.memory_guarded() ? "not read: mailbox above the guard" : format_bytes(p.memory_bytes()));
  detail_field("heap", format_bytes(p.heap_size_words() * word));
  detail_field("total heap", format_bytes(p.total_heap_size_words() * word));
  detail_field("stack", format_bytes(p.stack_size_words() * word));
  detail_field("minor GCs", format_count(p.minor_gcs()) + "  (" + format_si(static_cast<double>(p.minor_gcs_per_s())) + "/s)");
  detail_field("fullsweep after", format_count(p.fullsweep_after()));
  detail_field("reductions", format_count(p.reductions()));
  detail_field("reductions/s", format_si(static_cast<double>(p.reductions_per_s())) + "/s");
  ImGui::EndTable();
}

}  // namespace beamscope::gui
