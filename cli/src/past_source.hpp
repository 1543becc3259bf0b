// `--connect COLLECTOR --at TIME`: a node as the collector's recording
// (beamscope-collector --record) holds it at TIME (protocol 1.6), for the
// commands that answer from one snapshot, as `--replay FILE --at TIME`
// does from a file on this machine.
#pragma once

#include <iostream>
#include <optional>
#include <string>

#include "beamscope/protocol/node_model.hpp"
#include "beamscope/transport/security.hpp"
#include "ctl_options.hpp"

namespace beamscope::cli {

/// The fleet holding `node` at --at (parsed against the recording's span:
/// -5m from its end, +2m from its start, RFC 3339, unix seconds); `label`
/// says where and when. On failure prints "beamscope-ctl: ..." and sets
/// `exit_code` (kExitUsage for a bad --at).
std::optional<protocol::FleetModel> past_fleet(const GlobalOptions& opts, const std::string& node,
                                               const transport::ClientSecurity& security, std::string& label,
                                               int& exit_code, std::ostream& messages);

}  // namespace beamscope::cli
