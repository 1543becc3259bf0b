// Processes tab; see processes_view.hpp.
#include "processes_view.hpp"

#include <imgui.h>
#include <imgui_internal.h>  // ImGuiTable: the columns' widths for the state dump

#include "format.hpp"
#include "mailbox_reading.hpp"
#include "table_cells.hpp"
#include "theme.hpp"

namespace beamscope::gui {
namespace {

// ScrollX: columns keep their widths and the table scrolls sideways when
// the panel is narrower than them all (stretch columns would be squeezed
// to a few pixels next to eleven others).
constexpr ImGuiTableFlags kTableFlags = ImGuiTableFlags_Sortable | ImGuiTableFlags_SortMulti |
                                        ImGuiTableFlags_Resizable | ImGuiTableFlags_Reorderable |
                                        ImGuiTableFlags_Hideable | ImGuiTableFlags_RowBg |
                                        ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY |
                                        ImGuiTableFlags_ScrollX | ImGuiTableFlags_SizingFixedFit;

void setup_columns() {
  ImGui::TableSetupScrollFreeze(2, 1);  // pid and name stay while scrolling sideways
  const float em = ImGui::GetFontSize();
  for (const ColumnSpec& c : process_columns()) {
    ImGuiTableColumnFlags f = ImGuiTableColumnFlags_WidthFixed;
    // Numbers sort biggest first: the question is always "who is worst";
    // time to alarm smallest first, for the same reason.
    f |= c.ascending_first ? ImGuiTableColumnFlags_PreferSortAscending : ImGuiTableColumnFlags_PreferSortDescending;
    if (c.column == ProcessColumn::kMailbox) f |= ImGuiTableColumnFlags_DefaultSort;
    if (c.hidden) f |= ImGuiTableColumnFlags_DefaultHide;
    ImGui::TableSetupColumn(column_title(c.column), f, c.width_em * em, static_cast<ImGuiID>(c.column));
  }
  ImGui::TableHeadersRow();
}

void apply_sort_specs(ProcessTable& table) {
  ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs();
  if (!specs || !specs->SpecsDirty) return;
  std::vector<SortSpec> out;
  for (int i = 0; i < specs->SpecsCount; ++i) {
    const ImGuiTableColumnSortSpecs& s = specs->Specs[i];
    out.push_back({static_cast<ProcessColumn>(s.ColumnUserID), s.SortDirection == ImGuiSortDirection_Descending});
  }
  table.set_sort(std::move(out));
  specs->SpecsDirty = false;
}

void cell(InspectorModel& model, const ProcessTable& table, const v1::ProcessSample& p, ProcessColumn c, bool& scroll) {
  const theme::Palette& pal = theme::colors();
  switch (c) {
    case ProcessColumn::kPid: {
      const bool selected = p.pid() == table.selected_pid();
      // The pid cell spans the row so a click anywhere selects it.
      if (ImGui::Selectable(p.pid().c_str(), selected,
                            ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap)) {
        model.select_process(p.pid());
      }
      if (selected && scroll) {
        ImGui::SetScrollHereY(0.5f);
        scroll = false;
      }
      break;
    }
    case ProcessColumn::kName:
      if (p.registered_name().empty()) ImGui::TextDisabled("%s", p.initial_call().empty() ? "-" : p.initial_call().c_str());
      else ImGui::TextUnformatted(p.registered_name().c_str());
      break;
    case ProcessColumn::kMailbox: right_aligned(format_count(p.message_queue_len())); break;
    case ProcessColumn::kGrowth: growth_cell(p.mailbox_growth_per_s()); break;
    case ProcessColumn::kToAlarm: {
      const auto o = alarm_outlook(p.mailbox_growth_per_s(), p.seconds_to_threshold());
      const bool urgent = o == AlarmOutlook::kReached || (o == AlarmOutlook::kIn && p.seconds_to_threshold() < 60);
      if (o != AlarmOutlook::kNotGrowing) ImGui::PushStyleColor(ImGuiCol_Text, urgent ? pal.bad : pal.warn);
      right_aligned(format_to_alarm(p.mailbox_growth_per_s(), p.seconds_to_threshold()));
      if (o != AlarmOutlook::kNotGrowing) ImGui::PopStyleColor();
      break;
    }
    case ProcessColumn::kMemory:
      right_aligned(p.memory_guarded() ? std::string("guarded") : format_bytes(p.memory_bytes()));
      break;
    case ProcessColumn::kReductionsPerS: right_aligned(format_si(static_cast<double>(p.reductions_per_s()))); break;
    case ProcessColumn::kHeap: right_aligned(format_bytes(p.total_heap_size_words() * table.word_size())); break;
    case ProcessColumn::kMinorGcs: right_aligned(format_count(p.minor_gcs())); break;
    case ProcessColumn::kCurrentFunction: ImGui::TextUnformatted(p.current_function().c_str()); break;
    case ProcessColumn::kStatus: ImGui::TextUnformatted(p.status().c_str()); break;
    case ProcessColumn::kCount: break;
  }
}

void row(InspectorModel& model, const ProcessTable& table, const v1::ProcessSample& p, bool& scroll) {
  ImGui::TableNextRow();
  // Cells in setup order; ImGui draws them where the person moved the columns.
  for (const ColumnSpec& c : process_columns()) {
    if (!ImGui::TableNextColumn()) continue;  // hidden or scrolled out of view
    cell(model, table, p, c.column, scroll);
  }
}

void keyboard(InspectorModel& model, ProcessTable& table, ProcessesState& state, const Keys& keys) {
  if (keys.move == 0) return;
  const std::string pid = table.pid_at_offset(keys.move);
  if (pid.empty() || pid == table.selected_pid()) return;
  model.select_process(pid);
  state.scroll_to_selection = true;
}

void report_columns(DrawReport& report) {
  ImGuiTable* t = ImGui::GetCurrentTable();
  if (!t) return;
  for (int order = 0; order < t->ColumnsCount; ++order) {
    const int idx = t->DisplayOrderToIndex[order];
    const ImGuiTableColumn& col = t->Columns[idx];
    if (!col.IsEnabled) continue;
    report.process_columns.emplace_back(ImGui::TableGetColumnName(idx), col.WidthGiven);
  }
}

}  // namespace

void draw_processes(InspectorModel& model, NodeView& node, ProcessesState& state, Settings& settings,
                    const Keys* keys, DrawReport& report) {
  ProcessTable& table = node.table;
  if (state.focus_filter) ImGui::SetKeyboardFocusHere();
  state.focus_filter = false;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 18.0f);
  ImGui::InputTextWithHint("##filter", settings.every_process ? "/ filter: name, label, initial call"
                                                              : "/ filter: pid, name, function, status",
                           state.filter.data(), state.filter.size());
  if ((ImGui::IsItemActive() || ImGui::IsItemDeactivated()) && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)))
    state.filter[0] = '\0';
  if (report.enabled) report.processes_filter = state.filter.data();
  ImGui::SameLine();
  ImGui::Checkbox("every process", &settings.every_process);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Every process of the node, sorted and filtered by the agent over its sweep\n"
                      "(unticked: the hot set the stream carries, sorted here)");
  if (report.enabled) report.processes_list = process_list_name(settings.every_process);
  if (settings.every_process) {
    draw_every_process(model, node, state.filter.data(), state.every, keys, report);
    return;
  }
  table.set_filter(state.filter.data());
  if (keys) keyboard(model, table, state, *keys);
  ImGui::SameLine();
  const auto& visible = table.visible();
  ImGui::TextDisabled("%zu of %zu hot processes (top-K by mailbox, memory, reductions)", visible.size(), table.total());

  if (!ImGui::BeginTable("processes", kProcessColumnCount, kTableFlags)) return;
  setup_columns();
  apply_sort_specs(table);
  const auto& rows = table.visible();  // sorted now if the specs changed
  // A selection moved by the keyboard off screen: draw its row so it can scroll there.
  const int sel = state.scroll_to_selection ? table.selected_row() : -1;
  if (sel < 0) state.scroll_to_selection = false;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows.size()));
  if (sel >= 0) clipper.ForceDisplayRangeByIndices(sel, sel + 1);
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const v1::ProcessSample& p = table.row(rows[i]);
      if (report.enabled && report.processes_pids.size() < DrawReport::kPidsKept) report.processes_pids.push_back(p.pid());
      if (report.enabled) ++report.process_rows_drawn;
      row(model, table, p, state.scroll_to_selection);
    }
  }
  if (report.enabled) report_columns(report);
  ImGui::EndTable();
}

}  // namespace beamscope::gui
