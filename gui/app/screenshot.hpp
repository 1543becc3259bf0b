// Writes what was just rendered to a PNG (tests under Xvfb look at it).
#pragma once

#include <string>

namespace beamscope::gui {

/// Reads the back buffer (call after rendering, before swapping), flips it
/// upright and writes an RGB PNG of `width` × `height`. False and `error`
/// set when the file cannot be written.
bool write_back_buffer_png(int width, int height, const std::string& path, std::string& error);

}  // namespace beamscope::gui
