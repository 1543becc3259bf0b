// Fetches the state of one node from an agent or collector, for commands
// that answer from a single snapshot (overview, top, ...).
#pragma once

#include <optional>

#include "beamscope/protocol/node_model.hpp"
#include "beamscope/transport/security.hpp"
#include "ctl_options.hpp"

namespace beamscope::cli {

struct NodeState {
  protocol::FleetModel fleet;  ///< owns the models
  const protocol::NodeModel* model = nullptr;
  std::string name;
  transport::ClientSecurity security;  ///< the keys it was fetched with, for follow-up requests
};

/// Checks the endpoint, fetches within --timeout-ms and selects --node.
/// On failure prints "beamscope-ctl: ..." to stderr and sets `exit_code`.
std::optional<NodeState> fetch_node(const GlobalOptions& opts, int& exit_code);

}  // namespace beamscope::cli
