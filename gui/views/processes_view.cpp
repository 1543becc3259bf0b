// Processes tab; see processes_view.hpp.
#include "processes_view.hpp"

#include <imgui.h>

#include "format.hpp"
#include "theme.hpp"

namespace beamscope::gui {
namespace {

constexpr ImGuiTableFlags kTableFlags = ImGuiTableFlags_Sortable | ImGuiTableFlags_SortMulti |
                                        ImGuiTableFlags_Resizable | ImGuiTableFlags_Reorderable |
                                        ImGuiTableFlags_Hideable | ImGuiTableFlags_RowBg |
                                        ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY |
                                        ImGuiTableFlags_SizingFixedFit;

void setup_columns() {
  ImGui::TableSetupScrollFreeze(0, 1);
  for (int c = 0; c < kProcessColumnCount; ++c) {
    const auto col = static_cast<ProcessColumn>(c);
    ImGuiTableColumnFlags f = ImGuiTableColumnFlags_None;
    // Numbers sort biggest first: the question is always "who is worst".
    const bool numeric = col == ProcessColumn::kMailbox || col == ProcessColumn::kMemory ||
                         col == ProcessColumn::kReductionsPerS || col == ProcessColumn::kHeap ||
                         col == ProcessColumn::kMinorGcs;
    if (numeric) f |= ImGuiTableColumnFlags_PreferSortDescending;
    if (col == ProcessColumn::kMailbox) f |= ImGuiTableColumnFlags_DefaultSort;
    if (col == ProcessColumn::kName || col == ProcessColumn::kCurrentFunction) f |= ImGuiTableColumnFlags_WidthStretch;
    ImGui::TableSetupColumn(column_title(col), f, 0.0f, static_cast<ImGuiID>(c));
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

void right_aligned(const std::string& text) {
  const float w = ImGui::CalcTextSize(text.c_str()).x;
  const float avail = ImGui::GetContentRegionAvail().x;
  if (avail > w) ImGui::SetCursorPosX(ImGui::GetCursorPosX() + avail - w);
  ImGui::TextUnformatted(text.c_str());
}

void row(InspectorModel& model, const ProcessTable& table, const v1::ProcessSample& p) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  const bool selected = p.pid() == table.selected_pid();
  // The pid cell spans the row so a click anywhere selects it.
  if (ImGui::Selectable(p.pid().c_str(), selected,
                        ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap)) {
    model.select_process(p.pid());
  }
  ImGui::TableNextColumn();
  if (p.registered_name().empty()) {
    ImGui::TextDisabled("%s", p.initial_call().empty() ? "-" : p.initial_call().c_str());
  } else {
    ImGui::TextUnformatted(p.registered_name().c_str());
  }
  ImGui::TableNextColumn();
  right_aligned(format_count(p.message_queue_len()));
  ImGui::TableNextColumn();
  right_aligned(p.memory_guarded() ? std::string("guarded") : format_bytes(p.memory_bytes()));
  ImGui::TableNextColumn();
  right_aligned(format_si(static_cast<double>(p.reductions_per_s())));
  ImGui::TableNextColumn();
  right_aligned(format_bytes(p.total_heap_size_words() * table.word_size()));
  ImGui::TableNextColumn();
  right_aligned(format_count(p.minor_gcs()));
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(p.current_function().c_str());
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(p.status().c_str());
}

}  // namespace

void draw_processes(InspectorModel& model, NodeView& node, ProcessesState& state) {
  ProcessTable& table = node.table;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 18.0f);
  ImGui::InputTextWithHint("##filter", "filter: pid, name, function, status", state.filter.data(), state.filter.size());
  table.set_filter(state.filter.data());
  ImGui::SameLine();
  const auto& visible = table.visible();
  ImGui::TextDisabled("%zu of %zu hot processes (top-K by mailbox, memory, reductions)", visible.size(), table.total());

  if (!ImGui::BeginTable("processes", kProcessColumnCount, kTableFlags)) return;
  setup_columns();
  apply_sort_specs(table);
  const auto& rows = table.visible();  // sorted now if the specs changed
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows.size()));
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) row(model, table, table.row(rows[i]));
  }
  ImGui::EndTable();
}

}  // namespace beamscope::gui
