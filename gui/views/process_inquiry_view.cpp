// The agent's answer about a process; see process_inquiry_view.hpp.
#include "process_inquiry_view.hpp"

#include <imgui.h>

#include <string>

#include "beamscope/protocol/processes.hpp"
#include "clock.hpp"
#include "detail_fields.hpp"
#include "format.hpp"
#include "theme.hpp"

namespace beamscope::gui {
namespace {

// The pid in "<0.1.0>" or "process <0.1.0>"; "" for ports and names.
std::string pid_in(const std::string& ref) {
  const auto open = ref.find('<');
  const auto close = ref.find('>', open);
  if (open == std::string::npos || close == std::string::npos) return {};
  return ref.substr(open, close - open + 1);
}

// A list of references; a click on a pid selects that process (after the
// list is drawn: the selection changes what the panel shows).
void references(const char* title, const google::protobuf::RepeatedPtrField<std::string>& refs, std::uint32_t total,
                std::string& clicked) {
  const std::string header = std::string(title) + " (" + format_count(total) + ")###" + title;
  if (!ImGui::CollapsingHeader(header.c_str(), total ? ImGuiTreeNodeFlags_DefaultOpen : 0)) return;
  ImGui::Indent();
  ImGui::PushID(title);  // one pid may be in several lists
  for (const auto& ref : refs) {
    const std::string pid = pid_in(ref);
    if (pid.empty() || ref.find("#Port") != std::string::npos) {
      ImGui::TextUnformatted(ref.c_str());
    } else if (ImGui::Selectable(ref.c_str())) {
      clicked = pid;
    }
    if (!pid.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("Select %s", pid.c_str());
  }
  if (static_cast<std::uint32_t>(refs.size()) < total)
    ImGui::TextDisabled("... and %s more", format_count(total - refs.size()).c_str());
  ImGui::PopID();
  ImGui::Unindent();
}

// One button per action the agent allows; a kill asks first. The desk's
// last word (done, refused with the setting, asking) follows.
void action_buttons(InspectorModel& model, NodeView& node, const v1::ProcessDetail& d, double now,
                    DrawReport& report) {
  const auto offered = ActionDesk::offered(d.actions_allowed());
  if (report.enabled) {
    std::string names;
    for (auto a : offered) names += (names.empty() ? "" : ", ") + std::string(protocol::action_name(a));
    report.detail_lines.push_back("actions: " + (names.empty() ? std::string("none allowed") : names));
  }
  if (offered.empty()) return;
  const bool busy = node.actions.in_flight(now);
  ImGui::BeginDisabled(busy);
  for (auto a : offered) {
    const std::string name(protocol::action_name(a));
    if (ImGui::SmallButton(name.c_str())) {
      if (a == v1::ActionRequest::KILL)
        ImGui::OpenPopup("confirm kill");
      else
        model.press_action(a, now);
    }
    ImGui::SameLine();
  }
  ImGui::EndDisabled();
  ImGui::NewLine();
  if (ImGui::BeginPopupModal("confirm kill", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::Text("Kill %s on %s?", d.pid().c_str(), node.name.c_str());
    ImGui::TextDisabled("exit(Pid, kill): it cannot trap this; its supervisor decides what follows.");
    if (ImGui::Button("kill")) {
      model.press_action(v1::ActionRequest::KILL, now);
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("cancel") || ImGui::IsKeyPressed(ImGuiKey_Escape)) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
  const std::string status = node.actions.status(now);
  if (!status.empty()) {
    if (node.actions.last_failed()) ImGui::PushStyleColor(ImGuiCol_Text, theme::colors().bad);
    ImGui::TextWrapped("%s", status.c_str());
    if (node.actions.last_failed()) ImGui::PopStyleColor();
  }
}

std::string frame_text(const v1::StackFrame& f) {
  std::string s = f.function();
  if (!f.file().empty()) s += "  " + f.file() + (f.line() ? ":" + std::to_string(f.line()) : std::string());
  return s;
}

}  // namespace

bool draw_process_inquiry(InspectorModel& model, NodeView& node, DrawReport& report) {
  const double now = monotonic_s();
  const v1::ProcessDetail* d = node.inquiry.detail_for(node.table.selected_pid());
  const theme::Palette& c = theme::colors();
  ImGui::Spacing();
  if (!node.inquiry.problem().empty()) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(c.warn), "%s", node.inquiry.problem().c_str());
  } else if (!d) {
    ImGui::TextDisabled("asking the agent about %s ...", node.table.selected_pid().c_str());
  } else {
    ImGui::TextDisabled("asked of the agent %.1f s ago", node.inquiry.age_s(now));
  }
  if (report.enabled) report.detail_lines.push_back(std::string("asked: ") + (d ? "answered" : "asking"));
  if (!d) return false;
  if (!d->error().empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, c.warn);
    ImGui::TextWrapped("%s", d->alive() ? d->error().c_str() : ("exited: " + d->error()).c_str());
    ImGui::PopStyleColor();
    if (report.enabled) report.detail_lines.push_back("asked error: " + d->error());
    return true;
  }
  action_buttons(model, node, *d, now, report);
  const std::uint64_t word = d->word_size() ? d->word_size() : 8;
  if (ImGui::BeginTable("asked", 2, ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupColumn("k", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("v", ImGuiTableColumnFlags_WidthStretch);
    detail_field("status", d->status());
    detail_field("current", d->current_function());
    if (!d->label().empty()) detail_field("label", d->label());
    detail_field("initial call", d->initial_call());
    detail_field("application", d->application());
    if (!node.tree.selected()) detail_field("in tree", d->tree_id());  // else the entry's path is shown above
    // Memory and total heap walk the mailbox: the agent does not read them above its guard.
    const char* guarded = "not read: mailbox above the guard";
    detail_field("memory", d->memory_guarded() ? guarded : format_bytes(d->memory_bytes()));
    detail_field("heap", format_bytes(d->heap_size_words() * word));
    detail_field("total heap", d->memory_guarded() ? guarded : format_bytes(d->total_heap_size_words() * word));
    detail_field("stack", format_bytes(d->stack_size_words() * word));
    detail_field("reductions", format_count(d->reductions()));
    detail_field("trap_exit", d->trap_exit() ? "true" : "false");
    detail_field("priority", d->priority());
    detail_field("queue data", d->message_queue_data());
    detail_field("group leader", d->group_leader());
    std::string keys;
    for (const auto& k : d->dictionary_keys()) keys += (keys.empty() ? "" : ", ") + k;
    if (static_cast<std::uint32_t>(d->dictionary_keys_size()) < d->dictionary_size()) keys += ", ...";
    detail_field("dictionary", format_count(d->dictionary_size()) + " keys" + (keys.empty() ? "" : ": " + keys));
    ImGui::EndTable();
  }
  const std::string stack_title = "Stack (" + std::to_string(d->stacktrace_size()) + " frames)###stack";
  if (ImGui::CollapsingHeader(stack_title.c_str(), ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::Indent();
    for (const auto& f : d->stacktrace()) ImGui::TextWrapped("%s", frame_text(f).c_str());
    ImGui::Unindent();
  }
  std::string clicked;
  references("Links", d->links(), d->links_total(), clicked);
  references("Monitors", d->monitors(), d->monitors_total(), clicked);
  references("Monitored by", d->monitored_by(), d->monitored_by_total(), clicked);
  if (ImGui::CollapsingHeader("Garbage collection###gc")) {
    ImGui::Indent();
    for (const auto& v : d->garbage_collection()) ImGui::Text("%s  %s", v.name().c_str(), v.value().c_str());
    for (const auto& v : d->garbage_collection_info()) ImGui::Text("%s  %s", v.name().c_str(), v.value().c_str());
    ImGui::Unindent();
  }
  if (report.enabled) {
    report.detail_lines.push_back("status: " + d->status());
    report.detail_lines.push_back("stack: " + std::to_string(d->stacktrace_size()) + " frames" +
                                  (d->stacktrace_size() ? ", top " + d->stacktrace(0).function() : std::string()));
    report.detail_lines.push_back("links: " + std::to_string(d->links_total()));
    report.detail_lines.push_back("monitored by: " + std::to_string(d->monitored_by_total()));
  }
  if (!clicked.empty()) model.select_process(clicked);
  return true;
}

}  // namespace beamscope::gui
