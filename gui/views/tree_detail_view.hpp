// The detail panel's parts for a supervision tree entry: identity and child
// spec, the supervisor's restart intensity headroom as a gauge, and the
// restart history with reasons (detail_view puts them together with the
// process's figures).
#pragma once

#include "inspector_model.hpp"

namespace beamscope::gui {

/// Name, pid, path and child spec of the selected tree entry, and a
/// supervisor's headroom; false when no entry is selected.
bool draw_tree_identity(NodeView& node);

/// The selected entry's restarts, newest first (nothing for applications).
void draw_restart_history(NodeView& node);

}  // namespace beamscope::gui
