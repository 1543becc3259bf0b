// The keyboard, read once a frame and handed to the region it is meant
// for (GUI.md: arrows walk the tree and tables, Enter opens detail, `/`
// focuses search, Esc clears; F6 moves between the tree and the tables;
// a recording's time: K or Space plays and pauses, J and L step 10 s back
// and forward, as in video players). Nothing is read while a text field
// has the keyboard.
#pragma once

#include <imgui.h>

namespace beamscope::gui {

/// Where arrows go: the tree, the table of the main tab shown, or the alerts strip.
enum class KeyRegion { kTree, kMain, kAlerts };

struct Keys {
  static constexpr int kPage = 20;        ///< rows per PageUp/PageDown
  static constexpr int kFar = 1'000'000;  ///< Home/End: as far as it goes
  int move = 0;                 ///< rows to move the selection, signed
  bool left = false, right = false, enter = false, esc = false, slash = false, f6 = false;
  int replay_step = 0;          ///< J / L: steps of the replay bar, signed
  bool replay_toggle = false;   ///< K or Space: play or pause

  bool any() const { return move != 0 || left || right || enter || esc || slash || f6; }

  static Keys read() {
    Keys k;
    const ImGuiIO& io = ImGui::GetIO();
    if (io.WantTextInput) return k;
    auto pressed = [](ImGuiKey key) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key)); };
    if (pressed(ImGuiKey_DownArrow)) k.move += 1;
    if (pressed(ImGuiKey_UpArrow)) k.move -= 1;
    if (pressed(ImGuiKey_PageDown)) k.move += kPage;
    if (pressed(ImGuiKey_PageUp)) k.move -= kPage;
    if (pressed(ImGuiKey_Home)) k.move = -kFar;
    if (pressed(ImGuiKey_End)) k.move = kFar;
    k.left = pressed(ImGuiKey_LeftArrow);
    k.right = pressed(ImGuiKey_RightArrow);
    k.enter = pressed(ImGuiKey_Enter) || pressed(ImGuiKey_KeyPadEnter);
    k.esc = pressed(ImGuiKey_Escape);
    // F6 is not in 1.86's ImGuiKey map: the GLFW backend fills KeysDown by GLFW key code (F6 = 295).
    constexpr int kGlfwKeyF6 = 295;
    k.f6 = ImGui::IsKeyPressed(kGlfwKeyF6);
    for (int i = 0; i < io.InputQueueCharacters.Size; ++i) {
      switch (io.InputQueueCharacters[i]) {
        case '/': k.slash = true; break;
        case 'j': case 'J': --k.replay_step; break;
        case 'l': case 'L': ++k.replay_step; break;
        case 'k': case 'K': case ' ': k.replay_toggle = !k.replay_toggle; break;
        default: break;
      }
    }
    return k;
  }
};

}  // namespace beamscope::gui
