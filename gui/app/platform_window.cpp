// GLFW + OpenGL3 + ImGui set-up; see platform_window.hpp.
#include "platform_window.hpp"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#include <algorithm>
#include <cfloat>

#include "theme.hpp"

namespace beamscope::gui {
namespace {

std::string g_glfw_error;  // last GLFW error text, for the message on failure

void on_glfw_error(int, const char* description) { g_glfw_error = description ? description : "unknown"; }

struct ContextTry {
  int major, minor;
  bool core;
  const char* glsl;
};
// Core 3.2 first (Mesa and every current driver), then a legacy 3.0 context.
constexpr ContextTry kContexts[] = {{3, 2, true, "#version 150"}, {3, 0, false, "#version 130"}};

// The one window the inspector opens, for GLFW's content scale callback.
PlatformWindow* g_window = nullptr;

float clamp_scale(float sx, float sy) { return std::clamp(std::max(sx, sy), 1.0f, 4.0f); }

int glfw_key(ScriptKey k) {
  switch (k) {
    case ScriptKey::kUp: return GLFW_KEY_UP;
    case ScriptKey::kDown: return GLFW_KEY_DOWN;
    case ScriptKey::kLeft: return GLFW_KEY_LEFT;
    case ScriptKey::kRight: return GLFW_KEY_RIGHT;
    case ScriptKey::kPageUp: return GLFW_KEY_PAGE_UP;
    case ScriptKey::kPageDown: return GLFW_KEY_PAGE_DOWN;
    case ScriptKey::kHome: return GLFW_KEY_HOME;
    case ScriptKey::kEnd: return GLFW_KEY_END;
    case ScriptKey::kEnter: return GLFW_KEY_ENTER;
    case ScriptKey::kEscape: return GLFW_KEY_ESCAPE;
    case ScriptKey::kF6: return GLFW_KEY_F6;
    case ScriptKey::kSlash:
    case ScriptKey::kText: break;
  }
  return -1;
}

}  // namespace

std::unique_ptr<PlatformWindow> PlatformWindow::open(const Params& params, std::string& error) {
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    error = "cannot start GLFW (" + g_glfw_error + "): no display: run under xvfb-run, or set DISPLAY";
    return nullptr;
  }
  std::unique_ptr<PlatformWindow> w(new PlatformWindow());
  const char* glsl = nullptr;
  for (const ContextTry& c : kContexts) {
    glfwDefaultWindowHints();
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, c.major);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, c.minor);
    if (c.core) {
      glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
      glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    }
    // Size in screen coordinates as asked: the PNG and the tests rely on it.
    glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_FALSE);
    w->window_ = glfwCreateWindow(params.width, params.height, params.title, nullptr, nullptr);
    if (w->window_) {
      glsl = c.glsl;
      break;
    }
  }
  if (!w->window_) {
    error = "cannot create an OpenGL 3 window (" + g_glfw_error + ")";
    return nullptr;  // the destructor terminates GLFW
  }
  glfwMakeContextCurrent(w->window_);
  glfwSwapInterval(1);
  float sx = 1.0f, sy = 1.0f;
  glfwGetWindowContentScale(w->window_, &sx, &sy);
  w->scale_ = clamp_scale(sx, sy);
  g_window = w.get();
  glfwSetWindowContentScaleCallback(w->window_, &PlatformWindow::on_content_scale);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  w->imgui_ = true;
  ImGuiIO& io = ImGui::GetIO();
  w->ini_path_ = params.ini_path;
  w->ignore_mouse_ = params.ignore_mouse;
  io.IniFilename = w->ini_path_.empty() ? nullptr : w->ini_path_.c_str();
  // No ImGui keyboard navigation: the views route arrows, Enter and Esc
  // themselves (keys.hpp), and two owners of the arrows would fight.
  theme::apply(ThemeKind::kDark, w->scale_);
  theme::load_fonts(w->scale_);
  w->glfw_backend_ = ImGui_ImplGlfw_InitForOpenGL(w->window_, true);
  w->gl_backend_ = w->glfw_backend_ && ImGui_ImplOpenGL3_Init(glsl);
  if (!w->gl_backend_) {
    error = "cannot initialise ImGui's OpenGL3 renderer";
    return nullptr;
  }
  return w;
}

void PlatformWindow::on_content_scale(GLFWwindow*, float sx, float sy) {
  if (g_window) g_window->pending_scale_ = clamp_scale(sx, sy);
}

bool PlatformWindow::apply_scale_change() {
  const float s = pending_scale_;
  pending_scale_ = 0.0f;
  if (s <= 0.0f || s == scale_) return false;
  scale_ = s;
  theme::apply(theme::current(), scale_);
  theme::load_fonts(scale_);
  // The renderer made its font texture once; make it again from the new atlas.
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
  return true;
}

void PlatformWindow::set_theme(ThemeKind kind) { theme::apply(kind, scale_); }

float PlatformWindow::font_size() const {
  const ImGuiIO& io = ImGui::GetIO();
  return io.Fonts->Fonts.Size > 0 ? io.Fonts->Fonts[0]->FontSize : 0.0f;
}

PlatformWindow::~PlatformWindow() {
  if (g_window == this) g_window = nullptr;
  if (gl_backend_) ImGui_ImplOpenGL3_Shutdown();
  if (glfw_backend_) ImGui_ImplGlfw_Shutdown();
  if (imgui_) ImGui::DestroyContext();
  if (window_) glfwDestroyWindow(window_);
  glfwTerminate();
}

bool PlatformWindow::should_close() const { return glfwWindowShouldClose(window_); }

void PlatformWindow::wait(double timeout_s) const { glfwWaitEventsTimeout(timeout_s); }

void PlatformWindow::wake() { glfwPostEmptyEvent(); }

void PlatformWindow::begin_frame(const ScriptStep* press, const ScriptStep* release) {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGuiIO& io = ImGui::GetIO();
  // Scripted keys go where the backend's key callback would put them.
  if (release) {
    if (const int k = glfw_key(release->key); k >= 0) io.KeysDown[k] = false;
  }
  if (press) {
    if (press->key == ScriptKey::kSlash) io.AddInputCharacter('/');
    else if (press->key == ScriptKey::kText) io.AddInputCharactersUTF8(press->text.c_str());
    else if (const int k = glfw_key(press->key); k >= 0) io.KeysDown[k] = true;
  }
  if (ignore_mouse_) {
    // The backend just read the pointer; under Xvfb it sits mid-screen and
    // would leave a tooltip or a hovered row in the picture.
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  }
  ImGui::NewFrame();
}

void PlatformWindow::render() {
  ImGui::Render();
  int w = 0, h = 0;
  framebuffer_size(w, h);
  glViewport(0, 0, w, h);
  const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  glClearColor(bg.x, bg.y, bg.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void PlatformWindow::swap() { glfwSwapBuffers(window_); }

void PlatformWindow::framebuffer_size(int& w, int& h) const { glfwGetFramebufferSize(window_, &w, &h); }

}  // namespace beamscope::gui
