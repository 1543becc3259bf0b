// The GLFW window, its OpenGL context and the ImGui context with the GLFW
// and OpenGL3 backends: everything platform-specific, opened and closed in
// one place so the rest of the inspector is plain ImGui.
#pragma once

#include <memory>
#include <string>

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

  void begin_frame();
  /// Renders the ImGui frame into the back buffer (not yet shown).
  void render();
  void swap();
  void framebuffer_size(int& w, int& h) const;
  float content_scale() const { return scale_; }

  PlatformWindow(const PlatformWindow&) = delete;
  PlatformWindow& operator=(const PlatformWindow&) = delete;

 private:
  PlatformWindow() = default;
  GLFWwindow* window_ = nullptr;
  float scale_ = 1.0f;
  std::string ini_path_;  // ImGui keeps a pointer to it
  bool ignore_mouse_ = false;
  bool imgui_ = false, glfw_backend_ = false, gl_backend_ = false;
};

}  // namespace beamscope::gui
