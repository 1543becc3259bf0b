// Turns LinkOptions into a connected NodeLink for attach and detach:
// name and cookie resolution, then the classified connect.
#pragma once

#include <ostream>
#include <string>

#include "attach/attach_plan.hpp"
#include "attach/node_link.hpp"

namespace beamscope::cli::attach {

/// Connects `link`; sets `node_name` to NAME@HOST. On failure prints
/// "beamscope-ctl: <command>: <why>" to `err` and returns the exit code
/// (2 for a bad name or missing cookie, 1 when the node cannot be reached).
int open_link(const std::string& command, const LinkOptions& opts, NodeLink& link, std::string& node_name,
              std::ostream& err);

}  // namespace beamscope::cli::attach
