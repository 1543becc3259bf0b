// Theme and fonts; see theme.hpp.
#include "theme.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace beamscope::gui::theme {
namespace {

// Latin-1 plus the punctuation and shapes the views print (em dash, dots,
// arrows): the default ranges lack them and would show '?'.
const ImWchar kGlyphRanges[] = {0x0020, 0x00FF, 0x2010, 0x2027, 0x2190, 0x21FF, 0x25A0, 0x25FF, 0};

}  // namespace

void apply_dark(float scale) {
  ImGui::StyleColorsDark();
  ImGuiStyle& s = ImGui::GetStyle();
  s.WindowRounding = 0.0f;
  s.FrameRounding = 3.0f;
  s.GrabRounding = 3.0f;
  s.TabRounding = 3.0f;
  s.WindowBorderSize = 0.0f;
  s.FramePadding = ImVec2(6, 4);
  s.ItemSpacing = ImVec2(8, 5);
  s.CellPadding = ImVec2(6, 3);
  ImVec4* c = s.Colors;
  // Calmer than the stock blue: the data should carry the colour, not chrome.
  c[ImGuiCol_WindowBg] = ImVec4(0.09f, 0.10f, 0.12f, 1.0f);
  c[ImGuiCol_ChildBg] = ImVec4(0.09f, 0.10f, 0.12f, 1.0f);
  c[ImGuiCol_MenuBarBg] = ImVec4(0.13f, 0.14f, 0.17f, 1.0f);
  c[ImGuiCol_FrameBg] = ImVec4(0.16f, 0.17f, 0.21f, 1.0f);
  c[ImGuiCol_Header] = ImVec4(0.20f, 0.32f, 0.50f, 0.70f);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.24f, 0.38f, 0.60f, 0.80f);
  c[ImGuiCol_Tab] = ImVec4(0.14f, 0.16f, 0.20f, 1.0f);
  c[ImGuiCol_TabActive] = ImVec4(0.22f, 0.34f, 0.52f, 1.0f);
  c[ImGuiCol_TabHovered] = ImVec4(0.26f, 0.40f, 0.62f, 1.0f);
  c[ImGuiCol_TableHeaderBg] = ImVec4(0.14f, 0.16f, 0.20f, 1.0f);
  c[ImGuiCol_TableRowBgAlt] = ImVec4(1.0f, 1.0f, 1.0f, 0.03f);
  c[ImGuiCol_PlotHistogram] = ImVec4(0.35f, 0.62f, 0.95f, 1.0f);
  s.ScaleAllSizes(scale);
}

void load_fonts(float scale) {
  ImGuiIO& io = ImGui::GetIO();
  const char* candidates[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"};
  for (const char* path : candidates) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    ImFontConfig cfg;
    cfg.OversampleH = 2;
    if (io.Fonts->AddFontFromFileTTF(path, std::round(15.0f * scale), &cfg, kGlyphRanges)) return;
  }
  // Fallback: the built-in bitmap font, rasterized at the scaled size.
  ImFontConfig cfg;
  cfg.SizePixels = std::round(13.0f * std::max(1.0f, scale));
  io.Fonts->AddFontDefault(&cfg);
}

ImU32 heat(float load) {
  if (std::isnan(load)) return kChartBg;
  const float t = std::clamp(load, 0.0f, 1.0f);
  // Two segments: idle slate -> blue -> amber -> red.
  ImVec4 a, b;
  float u;
  if (t < 0.5f) {
    a = ImVec4(0.16f, 0.20f, 0.28f, 1.0f);
    b = ImVec4(0.25f, 0.55f, 0.90f, 1.0f);
    u = t / 0.5f;
  } else {
    a = ImVec4(0.25f, 0.55f, 0.90f, 1.0f);
    b = ImVec4(0.95f, 0.35f, 0.25f, 1.0f);
    u = (t - 0.5f) / 0.5f;
  }
  return ImGui::ColorConvertFloat4ToU32(
      ImVec4(a.x + (b.x - a.x) * u, a.y + (b.y - a.y) * u, a.z + (b.z - a.z) * u, 1.0f));
}

}  // namespace beamscope::gui::theme
