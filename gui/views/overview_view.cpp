// Overview tab; see overview_view.hpp.
#include "overview_view.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "chart.hpp"
#include "format.hpp"
#include "theme.hpp"

namespace beamscope::gui {
namespace {

struct WindowChoice {
  const char* label;
  std::size_t seconds;
};
constexpr WindowChoice kWindows[] = {{"1 min", 60}, {"5 min", 300}, {"15 min", 900}, {"1 h", 3600}};

std::string fmt_count(double v) { return format_count(static_cast<std::uint64_t>(std::max(0.0, v))); }
std::string fmt_bytes(double v) { return format_bytes(static_cast<std::uint64_t>(std::max(0.0, v))); }
std::string fmt_per_s(double v) { return format_si(v) + "/s"; }
std::string fmt_bytes_per_s(double v) { return fmt_bytes(v) + "/s"; }

// A labelled bar of used vs limit; amber past 70%, red past 90% (and the
// percentage is in the text, so colour is not the only cue).
void limit_gauge(const char* label, std::uint64_t used, std::uint64_t limit) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(label);
  ImGui::TableNextColumn();
  const float frac = limit ? static_cast<float>(static_cast<double>(used) / static_cast<double>(limit)) : 0.0f;
  const ImU32 col = frac > 0.9f ? theme::colors().bad : frac > 0.7f ? theme::colors().warn : ImGui::GetColorU32(ImGuiCol_PlotHistogram);
  ImGui::PushStyleColor(ImGuiCol_PlotHistogram, col);
  // The bar shows at least a sliver so a small share is still visible.
  ImGui::ProgressBar(limit ? std::max(frac, 0.005f) : 0.0f, ImVec2(-1, 0), format_of_limit(used, limit).c_str());
  ImGui::PopStyleColor();
}

void value_cell(const char* label, const std::string& value) {
  ImGui::TextUnformatted(label);
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(value.c_str());
}

std::string run_queues(const v1::VmGauges& g) {
  std::string s = format_count(g.run_queue_total()) + "  (";
  const int n = g.run_queue_lengths_size();
  for (int i = 0; i < n && i < 16; ++i) {
    if (i != 0) s += ' ';
    s += std::to_string(g.run_queue_lengths(i));
  }
  if (n > 16) s += " …";
  s += " | dirty cpu " + std::to_string(g.dirty_cpu_run_queue_length()) + ", io " +
       std::to_string(g.dirty_io_run_queue_length()) + ")";
  return s;
}

void gauges(const NodeView& node) {
  const v1::VmGauges& g = node.latest->gauges();
  const NodeHistory& h = node.history;
  if (!ImGui::BeginTable("gauges", 4, ImGuiTableFlags_SizingStretchProp)) return;
  ImGui::TableSetupColumn("l1", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("v1", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("l2", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("v2", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableNextColumn();
  limit_gauge("Processes", g.process_count(), g.process_limit());
  ImGui::TableNextColumn();
  limit_gauge("Ports", g.port_count(), g.port_limit());
  ImGui::TableNextColumn();
  limit_gauge("Atoms", g.atom_count(), g.atom_limit());
  ImGui::TableNextColumn();
  limit_gauge("ETS tables", g.ets_count(), g.ets_limit());
  ImGui::TableNextColumn();
  value_cell("Reductions", fmt_per_s(h.reductions_per_s()));
  ImGui::TableNextColumn();
  value_cell("GCs", fmt_per_s(h.gc_per_s()));
  ImGui::TableNextColumn();
  value_cell("Run queues", run_queues(g));
  ImGui::TableNextColumn();
  value_cell("IO in / out", fmt_bytes_per_s(h.latest(Series::kIoInBytesPerS)) + " / " +
                                fmt_bytes_per_s(h.latest(Series::kIoOutBytesPerS)));
  ImGui::EndTable();
}

// erlang:memory(): total = processes + system, and system contains atom,
// binary, code and ets; the rest of system is shown as "other".
void memory_bar(const v1::MemoryBytes& m) {
  const std::uint64_t inside = m.atom() + m.binary() + m.code() + m.ets();
  const std::uint64_t other = m.system() > inside ? m.system() - inside : 0;
  struct Part {
    const char* name;
    std::uint64_t bytes;
  };
  const Part parts[] = {{"processes", m.processes()}, {"binary", m.binary()}, {"ets", m.ets()},
                        {"code", m.code()},           {"atom", m.atom()},     {"other", other}};
  ImGui::Text("Memory %s", format_bytes(m.total()).c_str());
  const float w = ImGui::GetContentRegionAvail().x;
  const float h = ImGui::GetFrameHeight() * 0.6f;
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::Dummy(ImVec2(w, h));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p, ImVec2(p.x + w, p.y + h), theme::colors().chart_bg);
  const double total = static_cast<double>(std::max<std::uint64_t>(m.total(), 1));
  float x = p.x;
  for (std::size_t i = 0; i < std::size(parts); ++i) {
    const float pw = static_cast<float>(static_cast<double>(parts[i].bytes) / total) * w;
    dl->AddRectFilled(ImVec2(x, p.y), ImVec2(x + pw, p.y + h), theme::colors().series[i]);
    x += pw;
  }
  for (std::size_t i = 0; i < std::size(parts); ++i) {
    if (i != 0) ImGui::SameLine(0, ImGui::GetStyle().ItemSpacing.x * 2);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(theme::colors().series[i]), "\xE2\x96\xA0");
    ImGui::SameLine();
    ImGui::Text("%s %s", parts[i].name, format_bytes(parts[i].bytes).c_str());
  }
}

void charts(const NodeView& node, std::size_t window) {
  const NodeHistory& h = node.history;
  if (!ImGui::BeginTable("charts", 2, ImGuiTableFlags_SizingStretchSame)) return;
  ImGui::TableNextColumn();
  char title[96];
  std::snprintf(title, sizeof title, "Processes (limit %s)",
                format_count(node.latest->gauges().process_limit()).c_str());
  line_chart("##procs", {title, fmt_count, window},
             {{"processes", &h.series(Series::kProcessCount), theme::colors().series[0]}});
  ImGui::TableNextColumn();
  line_chart("##mbox", {"Total mailbox (messages queued)", fmt_count, window},
             {{"messages", &h.series(Series::kMailboxTotal), theme::colors().series[1]}});
  ImGui::TableNextColumn();
  heat_strip("##sched", "Scheduler utilization", h.scheduler_util(), h.series(Series::kSchedulerUtilAvg), window,
             ChartSpec{}.height);
  ImGui::TableNextColumn();
  line_chart("##mem", {"Memory", fmt_bytes, window},
             {{"total", &h.series(Series::kMemoryTotal), theme::colors().series[6]},
              {"processes", &h.series(Series::kMemoryProcesses), theme::colors().series[0]},
              {"binary", &h.series(Series::kMemoryBinary), theme::colors().series[1]},
              {"ets", &h.series(Series::kMemoryEts), theme::colors().series[2]}});
  ImGui::TableNextColumn();
  line_chart("##reds", {"Reductions/s", fmt_per_s, window},
             {{"reductions", &h.series(Series::kReductionsPerS), theme::colors().series[4]}});
  ImGui::TableNextColumn();
  line_chart("##gc", {"GC/s", fmt_per_s, window}, {{"collections", &h.series(Series::kGcPerS), theme::colors().series[3]}});
  ImGui::TableNextColumn();
  line_chart("##rq", {"Run queue (all schedulers)", fmt_count, window},
             {{"queued", &h.series(Series::kRunQueueTotal), theme::colors().series[5]}});
  ImGui::EndTable();
}

}  // namespace

void draw_overview(const NodeView& node, OverviewState& state) {
  gauges(node);
  ImGui::Spacing();
  memory_bar(node.latest->gauges().memory());
  ImGui::Spacing();
  ImGui::Separator();
  state.window_index = std::clamp(state.window_index, 0, static_cast<int>(std::size(kWindows)) - 1);
  const auto& times = node.history.times_ms();
  ImGui::AlignTextToFramePadding();
  ImGui::TextDisabled("History: %s in %zu samples", 
                      times.empty() ? "-" : format_duration_ms(times.back() - times[0]).c_str(), times.size());
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("15 min").x + ImGui::GetFrameHeight() * 2.0f);
  if (ImGui::BeginCombo("window", kWindows[state.window_index].label)) {
    for (int i = 0; i < static_cast<int>(std::size(kWindows)); ++i) {
      if (ImGui::Selectable(kWindows[i].label, i == state.window_index)) state.window_index = i;
    }
    ImGui::EndCombo();
  }
  charts(node, kWindows[state.window_index].seconds);
}

}  // namespace beamscope::gui
