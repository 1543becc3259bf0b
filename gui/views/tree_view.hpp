// The supervision tree region (left): search box, then one row per visible
// entry with a status dot, its name and right-aligned badges (restarts,
// mailbox, memory). Only the rows on screen are drawn.
#pragma once

#include <array>

#include "inspector_model.hpp"

namespace beamscope::gui {

struct TreeViewState {
  std::array<char, 128> search{};
};

void draw_tree(InspectorModel& model, NodeView& node, TreeViewState& state);

}  // namespace beamscope::gui
