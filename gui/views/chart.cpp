// Chart widgets; see chart.hpp.
#include "chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "format.hpp"
#include "theme.hpp"

namespace beamscope::gui {
namespace {

// Samples of every line for the window, oldest first (scratch reused across calls).
struct Window {
  std::vector<std::vector<float>> values;
  std::size_t slots = 1;
};

// x of sample i of n when `slots` fit the width and the newest is at the right.
float x_of(std::size_t i, std::size_t n, std::size_t slots, float x0, float w) {
  const std::size_t offset = slots > n ? slots - n : 0;
  const float step = slots > 1 ? w / static_cast<float>(slots - 1) : w;
  return x0 + static_cast<float>(offset + i) * step;
}

// Until the history fills the chosen window, stretch what there is across
// the width: a few seconds of data as a sliver at the right edge is
// unreadable, and the hover read-out still says how old each point is.
std::size_t fit_window(std::size_t window, std::size_t available) {
  return std::max<std::size_t>(2, std::min(window, available));
}

void title_row(ImDrawList* dl, ImVec2 p0, float w, const char* title, const std::string& value) {
  const float pad = ImGui::GetStyle().FramePadding.x;
  dl->AddText(ImVec2(p0.x + pad, p0.y + 2), ImGui::GetColorU32(ImGuiCol_Text), title);
  const ImVec2 vs = ImGui::CalcTextSize(value.c_str());
  dl->AddText(ImVec2(p0.x + w - vs.x - pad, p0.y + 2), ImGui::GetColorU32(ImGuiCol_Text), value.c_str());
}

}  // namespace

void line_chart(const char* id, const ChartSpec& spec, const std::vector<ChartLine>& lines) {
  static Window win;  // frame-local scratch; ImGui runs on one thread
  const float scale = ImGui::GetFontSize() / 15.0f;
  const float w = ImGui::GetContentRegionAvail().x;
  const float h = spec.height * scale;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, ImVec2(w, h));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p0, ImVec2(p0.x + w, p0.y + h), theme::colors().chart_bg, 3.0f);

  win.values.resize(lines.size());
  const std::size_t window = fit_window(spec.window, lines.empty() ? 0 : lines[0].values->size());
  double vmax = spec.fixed_max;
  for (std::size_t l = 0; l < lines.size(); ++l) {
    lines[l].values->copy_last(window, win.values[l]);
    if (spec.fixed_max <= 0.0) {
      for (float v : win.values[l]) {
        if (!std::isnan(v)) vmax = std::max(vmax, static_cast<double>(v));
      }
    }
  }
  if (vmax <= 0.0) vmax = 1.0;
  vmax *= spec.fixed_max > 0.0 ? 1.0 : 1.1;  // headroom so the peak is not on the border

  const float top = ImGui::GetTextLineHeight() + 4.0f;  // leaves room for the title
  const float y0 = p0.y + top, y1 = p0.y + h - 3.0f;
  const float x0 = p0.x + 3.0f, xw = w - 6.0f;
  dl->AddLine(ImVec2(x0, y0), ImVec2(x0 + xw, y0), theme::colors().chart_grid);
  dl->AddLine(ImVec2(x0, (y0 + y1) / 2), ImVec2(x0 + xw, (y0 + y1) / 2), theme::colors().chart_grid);
  auto y_of = [&](float v) { return y1 - static_cast<float>(v / vmax) * (y1 - y0); };

  for (std::size_t l = 0; l < lines.size(); ++l) {
    const auto& vals = win.values[l];
    const std::size_t n = vals.size();
    // Line segments between consecutive known values; NaN breaks the line.
    for (std::size_t i = 1; i < n; ++i) {
      if (std::isnan(vals[i - 1]) || std::isnan(vals[i])) continue;
      dl->AddLine(ImVec2(x_of(i - 1, n, window, x0, xw), y_of(vals[i - 1])),
                  ImVec2(x_of(i, n, window, x0, xw), y_of(vals[i])), lines[l].color, 1.5f * scale);
    }
    if (n == 1 && !std::isnan(vals[0])) {
      dl->AddCircleFilled(ImVec2(x_of(0, 1, window, x0, xw), y_of(vals[0])), 2.5f * scale, lines[l].color);
    }
  }

  const auto& first = win.values.empty() ? std::vector<float>{} : win.values[0];
  const std::string current = first.empty() || std::isnan(first.back()) ? "-" : spec.format(first.back());
  title_row(dl, p0, w, spec.title, current);
  // The scale goes in the title row, muted, left of the current value: over
  // the plot it would collide with a series running along the top.
  const std::string max_text = "max " + spec.format(vmax / (spec.fixed_max > 0.0 ? 1.0 : 1.1)) + "   ";
  const float right = ImGui::CalcTextSize(current.c_str()).x + ImGui::CalcTextSize(max_text.c_str()).x +
                      ImGui::GetStyle().FramePadding.x;
  if (ImGui::CalcTextSize(spec.title).x + right + 20.0f < w) {
    dl->AddText(ImVec2(p0.x + w - right, p0.y + 2), theme::colors().muted, max_text.c_str());
  }

  if (ImGui::IsItemHovered() && !first.empty()) {
    // Nearest sample under the mouse, counted back from the newest.
    const std::size_t n = first.size();
    const float step = window > 1 ? xw / static_cast<float>(window - 1) : xw;
    const float from_right = (x0 + xw - ImGui::GetIO().MousePos.x) / step;
    const auto back = static_cast<std::size_t>(std::max(0.0f, std::round(from_right)));
    if (back < n) {
      const std::size_t i = n - 1 - back;
      const float x = x_of(i, n, window, x0, xw);
      dl->AddLine(ImVec2(x, y0), ImVec2(x, y1), theme::colors().muted);
      ImGui::BeginTooltip();
      ImGui::TextDisabled("%s, %zu s ago", spec.title, back);
      for (std::size_t l = 0; l < lines.size(); ++l) {
        const auto& vals = win.values[l];
        if (i >= vals.size()) continue;
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(lines[l].color), "%s: %s", lines[l].label,
                           std::isnan(vals[i]) ? "-" : spec.format(vals[i]).c_str());
      }
      ImGui::EndTooltip();
    }
  }
  if (lines.size() > 1) {
    // Legend under the chart: colour plus name, so colour is not the only cue.
    for (std::size_t l = 0; l < lines.size(); ++l) {
      if (l != 0) ImGui::SameLine();
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(lines[l].color), "\xE2\x96\xA0 %s", lines[l].label);
    }
  }
}

void heat_strip(const char* id, const char* title, const std::vector<RingBuffer<float>>& rows,
                const RingBuffer<float>& average, std::size_t window, float height) {
  const float scale = ImGui::GetFontSize() / 15.0f;
  const float w = ImGui::GetContentRegionAvail().x;
  const float top = ImGui::GetTextLineHeight() + 4.0f;
  window = fit_window(window, average.size());
  // Rows share the height; many schedulers get thin rows, never under 2 px.
  const float rh = std::max(2.0f, (height * scale - top - 3.0f) / static_cast<float>(std::max<std::size_t>(rows.size(), 1)));
  const float h = top + rh * static_cast<float>(std::max<std::size_t>(rows.size(), 1)) + 3.0f;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, ImVec2(w, h));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p0, ImVec2(p0.x + w, p0.y + h), theme::colors().chart_bg, 3.0f);
  const float x0 = p0.x + 3.0f, xw = w - 6.0f, y0 = p0.y + top;

  // Buckets of whole samples, at least 3 px wide, so a 1 h window stays cheap.
  const auto max_cols = static_cast<std::size_t>(std::max(1.0f, xw / 3.0f));
  const std::size_t per_col = std::max<std::size_t>(1, (window + max_cols - 1) / max_cols);
  const std::size_t cols = (window + per_col - 1) / per_col;
  const float col_w = xw / static_cast<float>(cols);
  std::vector<float> vals;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    rows[r].copy_last(window, vals);
    const std::size_t offset = window - vals.size();  // history fills from the right
    for (std::size_t c = 0; c < cols; ++c) {
      float sum = 0.0f;
      int known = 0;
      for (std::size_t k = c * per_col; k < std::min(window, (c + 1) * per_col); ++k) {
        if (k < offset || std::isnan(vals[k - offset])) continue;
        sum += vals[k - offset];
        ++known;
      }
      if (known == 0) continue;
      const float x = x0 + static_cast<float>(c) * col_w;
      const float y = y0 + static_cast<float>(r) * rh;
      dl->AddRectFilled(ImVec2(x, y), ImVec2(x + col_w, y + rh - 1.0f), theme::heat(sum / static_cast<float>(known)));
    }
  }
  // Mean utilization as a line over the strip (0 at the bottom, 100% at the top).
  std::vector<float> avg;
  average.copy_last(window, avg);
  const float y_bottom = y0 + rh * static_cast<float>(std::max<std::size_t>(rows.size(), 1));
  for (std::size_t i = 1; i < avg.size(); ++i) {
    if (std::isnan(avg[i - 1]) || std::isnan(avg[i])) continue;
    dl->AddLine(ImVec2(x_of(i - 1, avg.size(), window, x0, xw), y_bottom - avg[i - 1] * (y_bottom - y0)),
                ImVec2(x_of(i, avg.size(), window, x0, xw), y_bottom - avg[i] * (y_bottom - y0)),
                theme::colors().chart_cursor, 1.5f * scale);
  }
  const std::string current = avg.empty() || std::isnan(avg.back()) ? "-" : "avg " + format_percent(avg.back());
  char label[96];
  std::snprintf(label, sizeof label, "%s (%zu)", title, rows.size());
  title_row(dl, p0, w, label, current);

  if (ImGui::IsItemHovered() && !rows.empty()) {
    const float my = ImGui::GetIO().MousePos.y;
    const auto r = static_cast<std::size_t>(std::clamp((my - y0) / rh, 0.0f, static_cast<float>(rows.size() - 1)));
    ImGui::SetTooltip("scheduler %zu: %s now", r + 1,
                      rows[r].empty() || std::isnan(rows[r].back()) ? "-" : format_percent(rows[r].back()).c_str());
  }
}

}  // namespace beamscope::gui
