// Fetches the state of one node from an agent or collector, for commands
// that answer from a single snapshot (overview, top, ...).
#pragma once

#include <cstdint>
#include <functional>
#include <iostream>
#include <optional>
#include <string>

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

/// Checks --connect (a malformed one is the user's typo) and loads the
/// CURVE keys given; on failure prints "beamscope-ctl: ..." and sets
/// `exit_code` to kExitUsage.
std::optional<transport::ClientSecurity> endpoint_security(const GlobalOptions& opts, int& exit_code,
                                                           std::ostream& err = std::cerr);

/// Checks the endpoint, fetches within --timeout-ms and selects --node.
/// On failure prints "beamscope-ctl: ..." to `err` and sets `exit_code`.
std::optional<NodeState> fetch_node(const GlobalOptions& opts, int& exit_code, std::ostream& err = std::cerr);

/// The body of every command that answers from one snapshot (overview,
/// top, tree, events, alerts): fetches the node, hands it and its
/// snapshot to `print`; the exit code.
int with_snapshot(const GlobalOptions& opts,
                  const std::function<void(const NodeState& state, const v1::Keyframe& snapshot)>& print);

/// One page of a supervisor's children, asked of the agent serving
/// `state` (through a collector if that is the endpoint). nullopt and
/// `error` (a sentence) when there is no answer or the agent refuses.
std::optional<v1::ChildrenPage> fetch_children_page(const GlobalOptions& opts, const NodeState& state,
                                                    const std::string& supervisor_id, std::uint32_t offset,
                                                    std::uint32_t limit, v1::ChildrenRequest::Order order,
                                                    std::string& error);

}  // namespace beamscope::cli
