// The every-process table; see every_process_view.hpp.
#include "every_process_view.hpp"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <string>

#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/processes.hpp"
#include "format.hpp"
#include "table_cells.hpp"
#include "theme.hpp"

namespace beamscope::gui {
namespace {

using SortKey = v1::ProcessesRequest::SortKey;

constexpr ImGuiTableFlags kTableFlags = ImGuiTableFlags_Sortable | ImGuiTableFlags_Resizable |
                                        ImGuiTableFlags_Reorderable | ImGuiTableFlags_Hideable |
                                        ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                        ImGuiTableFlags_ScrollY | ImGuiTableFlags_ScrollX |
                                        ImGuiTableFlags_SizingFixedFit;

enum class Col { kPid, kName, kApplication, kMailbox, kGrowth, kMemory, kReductions, kMinorGcs, kFunction, kAge };

struct ColumnDef {
  Col col;
  const char* title;
  float width_em;
  int sort;  ///< the agent's SortKey, or -1: not sortable (the agent orders by the keys only)
};

constexpr std::array<ColumnDef, 10> kColumns{{
    {Col::kPid, "Pid", 7, -1},
    {Col::kName, "Name", 16, -1},
    {Col::kMailbox, "Mailbox", 6, v1::ProcessesRequest::MAILBOX},
    {Col::kGrowth, "Growth", 6, v1::ProcessesRequest::MAILBOX_GROWTH},
    {Col::kMemory, "Memory", 6, v1::ProcessesRequest::MEMORY},
    {Col::kReductions, "Reds/s", 6, v1::ProcessesRequest::REDUCTIONS},
    {Col::kMinorGcs, "Minor GCs", 6, v1::ProcessesRequest::MINOR_GCS},
    {Col::kApplication, "Application", 9, v1::ProcessesRequest::APPLICATION},
    {Col::kFunction, "Current function", 16, -1},
    {Col::kAge, "Age", 4, -1},
}};

void setup_columns() {
  ImGui::TableSetupScrollFreeze(2, 1);
  const float em = ImGui::GetFontSize();
  for (const ColumnDef& c : kColumns) {
    ImGuiTableColumnFlags f = ImGuiTableColumnFlags_WidthFixed;
    if (c.sort < 0) f |= ImGuiTableColumnFlags_NoSort;
    else f |= c.sort == v1::ProcessesRequest::APPLICATION ? ImGuiTableColumnFlags_PreferSortAscending
                                                           : ImGuiTableColumnFlags_PreferSortDescending;
    if (c.col == Col::kMailbox) f |= ImGuiTableColumnFlags_DefaultSort;
    ImGui::TableSetupColumn(c.title, f, c.width_em * em, static_cast<ImGuiID>(c.sort < 0 ? 100 + static_cast<int>(c.col) : c.sort));
  }
  ImGui::TableHeadersRow();
}

// The figures the agent sorts by come right after the name, as in the hot
// list; the application and the function after them.

// The agent's order from the header the person clicked. APPLICATION's
// natural order (A→Z, then the largest mailbox) is the protocol's
// "descending"; the arrow a person sees points up for it.
void read_sort(ProcessQuery& q) {
  const ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs();
  if (!specs || specs->SpecsCount < 1) return;
  const ImGuiTableColumnSortSpecs& s = specs->Specs[0];
  if (s.ColumnUserID >= 100) return;
  q.sort = static_cast<SortKey>(s.ColumnUserID);
  const bool up = s.SortDirection == ImGuiSortDirection_Ascending;
  q.ascending = q.sort == v1::ProcessesRequest::APPLICATION ? !up : up;
}

void cell(InspectorModel& model, const NodeView& node, const v1::ProcessRow& p, Col c) {
  switch (c) {
    case Col::kPid:
      if (ImGui::Selectable(p.pid().c_str(), p.pid() == node.table.selected_pid(),
                            ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap))
        model.select_process(p.pid());
      break;
    case Col::kName:
      if (p.registered_name().empty()) ImGui::TextDisabled("%s", p.name().empty() ? "-" : p.name().c_str());
      else ImGui::TextUnformatted(p.registered_name().c_str());
      if (p.gone()) {
        ImGui::SameLine();
        ImGui::TextDisabled("(exited)");
      }
      break;
    case Col::kApplication: ImGui::TextUnformatted(p.application().c_str()); break;
    case Col::kMailbox: right_aligned(format_count(p.message_queue_len())); break;
    case Col::kGrowth: growth_cell(p.mailbox_growth_per_s()); break;
    case Col::kMemory: right_aligned(p.slow_known() ? format_bytes(p.memory_bytes()) : std::string("-")); break;
    case Col::kReductions:
      right_aligned(p.slow_known() ? format_si(static_cast<double>(p.reductions_per_s())) : std::string("-"));
      break;
    case Col::kMinorGcs: right_aligned(format_count(p.minor_gcs())); break;
    case Col::kFunction: ImGui::TextUnformatted(p.current_function().c_str()); break;
    case Col::kAge: right_aligned(format_duration_ms(p.age_ms())); break;
  }
}

// The header line: how many, how fresh, or why not.
void status_line(const ProcessPages& pages, DrawReport& report) {
  const v1::ProcessesPage& page = pages.page();
  std::string text;
  if (!pages.problem().empty()) text = pages.problem();
  else if (!pages.answered()) text = "asking the agent for its processes...";
  else if (!page.error().empty()) text = page.error();
  else
    text = format_count(page.total()) + " of " + format_count(page.swept()) + " processes (the sweep of " +
           format_duration_ms(page.sweep_age_ms()) + " ago, sorted by the agent)";
  const bool bad = !pages.problem().empty() || (pages.answered() && !page.error().empty());
  if (bad) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(theme::colors().warn), "%s", text.c_str());
  else ImGui::TextDisabled("%s", text.c_str());
  if (report.enabled) report.processes_status = text;
}

// Arrows walk the agent's order: a row not held yet is scrolled to and
// selected when its page arrives.
void keyboard(const NodeView& node, EveryProcessState& state, const Keys& keys) {
  if (keys.move == 0 || node.pages.total() == 0) return;
  const int at = state.pending_index >= 0 ? state.pending_index : node.pages.index_of(node.table.selected_pid());
  const long long to = at < 0 ? 0 : static_cast<long long>(at) + keys.move;
  state.pending_index = static_cast<int>(std::clamp<long long>(to, 0, node.pages.total() - 1));
  state.scroll_to = true;
}

}  // namespace

void draw_every_process(InspectorModel& model, NodeView& node, const char* filter, EveryProcessState& state,
                        const Keys* keys, DrawReport& report) {
  status_line(node.pages, report);
  if (keys) keyboard(node, state, *keys);
  if (state.pending_index >= 0) {
    if (const v1::ProcessRow* r = node.pages.row(static_cast<std::uint32_t>(state.pending_index))) {
      model.select_process(r->pid());
      state.pending_index = -1;
    }
  }
  ProcessQuery query = node.pages.query();
  query.name_filter.assign(filter, std::min(std::char_traits<char>::length(filter), protocol::limits::kMaxNameFilter));
  if (!ImGui::BeginTable("every_process", static_cast<int>(kColumns.size()), kTableFlags)) return;
  setup_columns();
  read_sort(query);
  const int total = static_cast<int>(node.pages.total());
  const int target = state.pending_index >= 0 ? state.pending_index : node.pages.index_of(node.table.selected_pid());
  ImGuiListClipper clipper;
  clipper.Begin(total);
  if (state.scroll_to && target >= 0 && target < total) clipper.ForceDisplayRangeByIndices(target, target + 1);
  int first = -1, last = 0;
  while (clipper.Step()) {
    // A fresh clipper's first step draws row 0 alone to measure the row
    // height (ImGui 1.86: ItemsHeight not known yet): not a row on screen.
    // Counted, it made the window asked for start at 0 however deep the
    // list was scrolled, and no page past the first 1,000 rows came.
    if (clipper.ItemsHeight > 0.0f) {
      first = first < 0 ? clipper.DisplayStart : std::min(first, clipper.DisplayStart);
      last = std::max(last, clipper.DisplayEnd);
    }
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      ImGui::TableNextRow();
      const v1::ProcessRow* p = node.pages.row(static_cast<std::uint32_t>(i));
      if (state.scroll_to && i == target) {
        ImGui::SetScrollHereY(0.5f);
        state.scroll_to = false;
      }
      if (!p) {
        ImGui::TableNextColumn();
        ImGui::TextDisabled("...");
        continue;
      }
      if (report.enabled && report.processes_pids.size() < DrawReport::kPidsKept) report.processes_pids.push_back(p->pid());
      if (report.enabled) ++report.process_rows_drawn;
      for (const ColumnDef& c : kColumns) {
        if (!ImGui::TableNextColumn()) continue;
        cell(model, node, *p, c.col);
      }
    }
  }
  ImGui::EndTable();
  // The rows on screen (before any answer: a screenful from the top).
  const std::uint32_t shown = total == 0 ? 50u : static_cast<std::uint32_t>(std::max(last - std::max(first, 0), 1));
  node.pages.want(query, static_cast<std::uint32_t>(std::max(first, 0)), shown);
}

}  // namespace beamscope::gui
