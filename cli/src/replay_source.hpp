// beamscope-ctl --replay FILE [--at TIME]: the fleet's state at TIME rebuilt
// from a recording, handed to the same node selection and rendering as a
// live snapshot.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "beamscope/protocol/node_model.hpp"
#include "ctl_options.hpp"

namespace beamscope::cli {

/// The fleet at --at (default: the end) of --replay. Damage met on the way
/// is a warning on stderr (the state stops before it); a file that cannot
/// be read, a bad --at or a time before the first frame is an error.
/// `label` names the source in messages ("FILE at 2026-...Z").
std::optional<protocol::FleetModel> replay_fleet(const GlobalOptions& opts, std::string& label, int& exit_code,
                                                 std::ostream& messages);

/// Why --node is not in the fleet replay_fleet rebuilt, and the exit code:
/// a node the recording holds later (or only past damage) is "no state at
/// that time" (1); a node the readable part never names is the user's typo
/// (2). Reads the whole file: only on this error path.
std::string explain_absent_node(const GlobalOptions& opts, const std::string& label, int& exit_code);

/// A page of a supervisor's children out of the tree the recording holds
/// (the agent's own pages are not recorded): ordered like the agent's
/// pages, supervisor order being the tree's id order.
v1::ChildrenPage children_from_tree(const protocol::NodeModel& model, const v1::ChildrenRequest& request);

}  // namespace beamscope::cli
