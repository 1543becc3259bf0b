// Framebuffer capture; see screenshot.hpp.
#include "screenshot.hpp"

#define GL_GLEXT_PROTOTYPES
#include <GL/gl.h>
// Debian's libstb (linked through pkg-config imgui) already contains the
// implementation, so only the declarations are included here.
#include <stb_image_write.h>

#include <cstring>
#include <vector>

namespace beamscope::gui {

bool write_back_buffer_png(int width, int height, const std::string& path, std::string& error) {
  if (width <= 0 || height <= 0) {
    error = "empty framebuffer";
    return false;
  }
  const std::size_t stride = static_cast<std::size_t>(width) * 3;
  std::vector<unsigned char> pixels(stride * static_cast<std::size_t>(height));
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);  // rows packed tightly, whatever the width
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  if (const GLenum err = glGetError(); err != GL_NO_ERROR) {
    error = "glReadPixels failed (GL error " + std::to_string(err) + ")";
    return false;
  }
  // OpenGL's origin is bottom-left; PNG rows go top-down.
  std::vector<unsigned char> row(stride);
  for (int y = 0; y < height / 2; ++y) {
    unsigned char* a = pixels.data() + static_cast<std::size_t>(y) * stride;
    unsigned char* b = pixels.data() + static_cast<std::size_t>(height - 1 - y) * stride;
    std::memcpy(row.data(), a, stride);
    std::memcpy(a, b, stride);
    std::memcpy(b, row.data(), stride);
  }
  if (!stbi_write_png(path.c_str(), width, height, 3, pixels.data(), static_cast<int>(stride))) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace beamscope::gui
