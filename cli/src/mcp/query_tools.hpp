// The MCP tools of beamscope-ctl: one per read-only query (overview, top,
// tree, events, children), each answering the document its command prints
// with --json (render/json_*), fetched with the ctl's global options
// (--connect, keys, --timeout-ms, --node as the default node).
#pragma once

#include <vector>

#include "ctl_options.hpp"
#include "mcp/mcp_server.hpp"

namespace beamscope::cli::mcp {

std::vector<Tool> query_tools(const GlobalOptions& opts);

}  // namespace beamscope::cli::mcp
