// One request to the agent of the selected node (process pages, detail,
// actions), for commands that ask rather than read a snapshot.
#pragma once

#include <iostream>
#include <optional>

#include "beamscope/protocol/framing.hpp"
#include "ctl_options.hpp"

namespace beamscope::cli {

/// A request id for a one-shot request (random, never 0).
std::uint64_t new_request_id();

/// Fetches the node (selecting --node), sends `request` to it and waits
/// for its answer within --timeout-ms. On failure prints "beamscope-ctl:
/// ..." to `messages` and sets `exit_code`. `node` gets the node's name.
std::optional<protocol::Envelope> ask_node(const GlobalOptions& opts, protocol::Envelope request, std::string& node,
                                           int& exit_code, std::ostream& messages = std::cerr);

}  // namespace beamscope::cli
