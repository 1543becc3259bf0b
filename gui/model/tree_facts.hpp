// What one supervision tree entry says about itself, read from its own
// fields: its health (the status dot and the name's colour) and the name a
// person calls it. A supervisor's restart headroom and how much of its
// intensity it used are protocol's (protocol/alerts.hpp), shared with the
// alert rules, ctl and /metrics. No ImGui.
#pragma once

#include <cstdint>
#include <string>

#include "beamscope.pb.h"

namespace beamscope::gui {

/// What a row's status dot and name colour say.
enum class TreeHealth {
  kRunning,       ///< has a pid, nothing wrong
  kNearLimit,     ///< supervisor: near or at its restart intensity (protocol::intensity_use)
  kEscalated,     ///< supervisor: reached its max restart intensity
  kUnresponsive,  ///< supervisor: which_children timed out or failed
  kRestarting,    ///< child between a crash and its restart
  kNotRunning,    ///< no pid (temporary child gone, `undefined`)
};

/// Health of one tree entry, from its own fields.
TreeHealth tree_health(const v1::TreeNode& n);

/// What a person calls an entry: registered name, else the child id, with
/// Elixir module names shown without their "Elixir." prefix.
std::string tree_display_name(const v1::TreeNode& n);

}  // namespace beamscope::gui
