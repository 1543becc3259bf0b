// The supervision tree region (left): search box, then one row per visible
// entry with a status dot, its name and right-aligned badges (restarts,
// mailbox, memory) that give way to the name. Only the rows on screen are drawn.
#pragma once

#include <array>

#include "draw_report.hpp"
#include "inspector_model.hpp"
#include "keys.hpp"

namespace beamscope::gui {

struct TreeViewState {
  std::array<char, 128> search{};
  bool focus_search = false;  ///< `/` was pressed: the box takes the keyboard
};

/// `keys`: the frame's keyboard when the tree has it, else nullptr.
void draw_tree(InspectorModel& model, NodeView& node, TreeViewState& state, const Keys* keys, DrawReport& report);

}  // namespace beamscope::gui
