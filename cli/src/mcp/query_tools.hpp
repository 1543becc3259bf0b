// The MCP tools of beamscope-ctl: one per read-only query (overview, top,
// tree, events, children, alerts from the snapshot; ps, proc, history asked
// of the agent) and one per action (gc, kill, suspend, resume: listed only
// with --allow-actions, and the agent must allow them too), each answering the document its command prints
// with --json (render/json_*), fetched with the ctl's global options
// (--connect, keys, --timeout-ms, --node as the default node).
#pragma once

#include <vector>

#include "ctl_options.hpp"
#include "mcp/mcp_server.hpp"

namespace beamscope::cli::mcp {

/// Every tool: the snapshot's and agent_tools().
std::vector<Tool> query_tools(const GlobalOptions& opts);

/// The tools that ask the agent (agent_tools.cpp).
std::vector<Tool> agent_tools(const GlobalOptions& opts);

}  // namespace beamscope::cli::mcp
