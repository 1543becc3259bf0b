// Picks the node a command talks about out of what the endpoint knows: an
// agent knows one node, a collector many. Pure logic, unit-tested.
#pragma once

#include <string>

#include "beamscope/protocol/node_model.hpp"

namespace beamscope::cli {

struct NodeChoice {
  const protocol::NodeModel* model = nullptr;  ///< set on success
  std::string name;                            ///< the node chosen
  int exit_code = 0;                           ///< non-zero on failure
  std::string error;                           ///< message for stderr
};

/// `wanted` empty: the single node (several → usage error listing them).
/// A node without state yet counts as not there.
NodeChoice select_node(const protocol::FleetModel& fleet, const std::string& wanted, const std::string& endpoint);

}  // namespace beamscope::cli
