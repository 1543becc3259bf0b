// Themes and fonts; see theme.hpp.
#include "theme.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace beamscope::gui::theme {
namespace {

// Latin-1 plus the punctuation and shapes the views print (em dash, dots,
// arrows, Δ): the default ranges lack them and would show '?'.
const ImWchar kGlyphRanges[] = {0x0020, 0x00FF, 0x0394, 0x0394, 0x2010, 0x2027, 0x2190, 0x21FF, 0x25A0, 0x25FF, 0};

// The dark palette's values are what the screenshot tests look for.
const Palette kDark = {
    IM_COL32(80, 200, 120, 255),  IM_COL32(235, 180, 60, 255),  IM_COL32(235, 85, 75, 255),
    IM_COL32(140, 146, 160, 255), IM_COL32(205, 100, 40, 255),  IM_COL32(22, 25, 31, 255),
    IM_COL32(60, 66, 80, 255),    IM_COL32(255, 255, 255, 200), IM_COL32(48, 53, 64, 255),
    IM_COL32(225, 228, 235, 255), IM_COL32(20, 20, 24, 255),
    {IM_COL32(90, 170, 250, 255), IM_COL32(250, 150, 70, 255), IM_COL32(120, 210, 130, 255),
     IM_COL32(210, 120, 220, 255), IM_COL32(240, 220, 90, 255), IM_COL32(110, 220, 220, 255),
     IM_COL32(200, 200, 200, 255)},
};
// Darker inks for a light background (text contrast), same hues.
const Palette kLight = {
    IM_COL32(30, 140, 70, 255),   IM_COL32(180, 120, 0, 255),   IM_COL32(200, 45, 35, 255),
    IM_COL32(105, 110, 122, 255), IM_COL32(190, 80, 20, 255),   IM_COL32(246, 247, 250, 255),
    IM_COL32(210, 214, 222, 255), IM_COL32(30, 30, 40, 200),    IM_COL32(222, 226, 234, 255),
    IM_COL32(35, 40, 50, 255),    IM_COL32(255, 255, 255, 255),
    {IM_COL32(30, 110, 210, 255), IM_COL32(220, 110, 20, 255), IM_COL32(40, 150, 70, 255),
     IM_COL32(160, 60, 180, 255), IM_COL32(170, 140, 0, 255), IM_COL32(0, 150, 160, 255),
     IM_COL32(90, 90, 100, 255)},
};

ThemeKind g_kind = ThemeKind::kDark;

void spacing(ImGuiStyle& s) {
  s.WindowRounding = 0.0f;
  s.FrameRounding = 3.0f;
  s.GrabRounding = 3.0f;
  s.TabRounding = 3.0f;
  s.WindowBorderSize = 0.0f;
  s.FramePadding = ImVec2(6, 4);
  s.ItemSpacing = ImVec2(8, 5);
  s.CellPadding = ImVec2(6, 3);
}

// Child windows are see-through (ChildBg alpha 0: ImGui draws no fill) and
// the root window draws no background (the frame's glClear is WindowBg):
// each opaque full-window fill costs a software renderer (Mesa llvmpipe,
// Xvfb, remote X) several ms of blending per frame for pixels it repaints
// with the same colour.
void dark_colours(ImVec4* c) {
  ImGui::StyleColorsDark();
  // Calmer than the stock blue: the data should carry the colour, not chrome.
  c[ImGuiCol_WindowBg] = ImVec4(0.09f, 0.10f, 0.12f, 1.0f);
  c[ImGuiCol_ChildBg] = ImVec4(0.09f, 0.10f, 0.12f, 0.0f);  // see below
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
}

void light_colours(ImVec4* c) {
  ImGui::StyleColorsLight();
  c[ImGuiCol_WindowBg] = ImVec4(0.97f, 0.97f, 0.98f, 1.0f);
  c[ImGuiCol_ChildBg] = ImVec4(0.97f, 0.97f, 0.98f, 0.0f);  // see below
  c[ImGuiCol_PopupBg] = ImVec4(1.0f, 1.0f, 1.0f, 0.98f);
  c[ImGuiCol_MenuBarBg] = ImVec4(0.90f, 0.91f, 0.93f, 1.0f);
  c[ImGuiCol_FrameBg] = ImVec4(0.90f, 0.91f, 0.94f, 1.0f);
  c[ImGuiCol_Text] = ImVec4(0.10f, 0.11f, 0.14f, 1.0f);
  c[ImGuiCol_TextDisabled] = ImVec4(0.42f, 0.44f, 0.48f, 1.0f);
  c[ImGuiCol_Header] = ImVec4(0.62f, 0.76f, 0.95f, 0.80f);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.70f, 0.82f, 0.97f, 0.80f);
  c[ImGuiCol_Tab] = ImVec4(0.86f, 0.88f, 0.92f, 1.0f);
  c[ImGuiCol_TabActive] = ImVec4(0.62f, 0.76f, 0.95f, 1.0f);
  c[ImGuiCol_TabHovered] = ImVec4(0.70f, 0.82f, 0.97f, 1.0f);
  c[ImGuiCol_TableHeaderBg] = ImVec4(0.88f, 0.90f, 0.93f, 1.0f);
  c[ImGuiCol_TableRowBgAlt] = ImVec4(0.0f, 0.0f, 0.0f, 0.03f);
  c[ImGuiCol_PlotHistogram] = ImVec4(0.20f, 0.48f, 0.85f, 1.0f);
}

}  // namespace

void apply(ThemeKind kind, float scale) {
  g_kind = kind;
  ImGuiStyle& s = ImGui::GetStyle();
  s = ImGuiStyle();  // fresh sizes: ScaleAllSizes multiplies what is there
  if (kind == ThemeKind::kLight) light_colours(s.Colors);
  else dark_colours(s.Colors);
  spacing(s);
  s.ScaleAllSizes(scale);
}

ThemeKind current() { return g_kind; }

const Palette& colors() { return g_kind == ThemeKind::kLight ? kLight : kDark; }

void load_fonts(float scale) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
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
  if (std::isnan(load)) return colors().chart_bg;
  const float t = std::clamp(load, 0.0f, 1.0f);
  // Two segments: idle slate (paper on the light theme) -> blue -> red.
  const ImVec4 idle = g_kind == ThemeKind::kLight ? ImVec4(0.86f, 0.89f, 0.94f, 1.0f) : ImVec4(0.16f, 0.20f, 0.28f, 1.0f);
  ImVec4 a, b;
  float u;
  if (t < 0.5f) {
    a = idle;
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
