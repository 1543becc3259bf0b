// What every MCP tool shares: its schema's shape (with the optional node
// argument), the options a call runs with, and the ctl's failure message
// turned into a tool error.
#pragma once

#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "ctl_options.hpp"

namespace beamscope::cli::mcp {

/// An object schema of `properties` plus "node", closed to other keys.
nlohmann::json tool_schema(nlohmann::json properties, nlohmann::json required = nlohmann::json::array());

/// The ctl's options with the call's "node" argument, when given.
GlobalOptions call_options(const GlobalOptions& global, const nlohmann::json& args);

/// What the ctl would print on stderr, as one tool error: "beamscope-ctl: "
/// and the trailing newline dropped.
std::string tool_error(const std::ostringstream& messages);

}  // namespace beamscope::cli::mcp
