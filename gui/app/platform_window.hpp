// The GLFW window, its OpenGL context and the ImGui context with the GLFW
// and OpenGL3 backends: everything platform-specific, opened and closed in
// one place so the rest of the inspector is plain ImGui.
#pragma once

#include <memory>
#include <string>

#include "key_script.hpp"
#include "settings.hpp"

struct GLFWwindow;

namespace beamscope::gui {

class PlatformWindow {
 public:
  struct Params {
    int width = 1280;
    int height = 800;
    const char* title = "beamscope";
    std::string ini_path;  ///< empty: no ini persistence (screenshots)
    bool ignore_mouse = false;  ///< screenshots: no hover effects from wherever the pointer is
  };

  /// nullptr and `error` set when there is no display or no usable OpenGL.
  static std::unique_ptr<PlatformWindow> open(const Params& params, std::string& error);
  ~PlatformWindow();

  bool should_close() const;
  /// Sleeps until input, a posted wake-up, or `timeout_s` (never spins).
  void wait(double timeout_s) const;
  /// Safe from any thread: wakes wait() (new data arrived).
  static void wake();

  /// Before begin_frame: applies a content scale change (the window moved
  /// to another monitor: GLFW's callback, or simulate_content_scale) by
  /// rebuilding fonts and style sizes. True when it did.
  bool apply_scale_change();
  /// Tests: behave as if the monitor's content scale became `scale`.
  void simulate_content_scale(float scale) { pending_scale_ = scale; }
  /// Colours and sizes of `kind` at the current scale.
  void set_theme(ThemeKind kind);

  /// Tests (--keys): `step` pressed this frame (`press`), or its key
  /// released (`press` false). Call between begin_frame's halves: see
  /// begin_frame(step).
  void begin_frame(const ScriptStep* press = nullptr, const ScriptStep* release = nullptr);
  /// Renders the ImGui frame into the back buffer (not yet shown).
  void render();
  void swap();
  void framebuffer_size(int& w, int& h) const;
  float content_scale() const { return scale_; }
  float font_size() const;

  PlatformWindow(const PlatformWindow&) = delete;
  PlatformWindow& operator=(const PlatformWindow&) = delete;

 private:
  PlatformWindow() = default;
  GLFWwindow* window_ = nullptr;
  float scale_ = 1.0f;
  float pending_scale_ = 0.0f;  // 0: no change waiting
  static void on_content_scale(GLFWwindow* w, float sx, float sy);
  std::string ini_path_;  // ImGui keeps a pointer to it
  bool ignore_mouse_ = false;
  bool imgui_ = false, glfw_backend_ = false, gl_backend_ = false;
};

}  // namespace beamscope::gui
