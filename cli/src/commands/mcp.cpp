// `mcp`: beamscope-ctl as a Model Context Protocol server on stdin/stdout
// (one JSON-RPC message a line), for AI agents: read-only tools, the same
// documents as --json. Logs and nothing else go to stderr.
#include <iostream>
#include <memory>

#include "beamscope/build_version.hpp"
#include "commands/commands.hpp"
#include "mcp/mcp_server.hpp"
#include "mcp/query_tools.hpp"

namespace beamscope::cli {
namespace {

// One line of at most mcp::kMaxLineBytes; false at the end of input. A
// longer line is read to its end and dropped (`too_long`).
bool read_line(std::istream& in, std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  auto* buf = in.rdbuf();
  for (;;) {
    const int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) return !line.empty() || too_long;
    if (c == '\n') return true;
    if (line.size() < mcp::kMaxLineBytes)
      line.push_back(static_cast<char>(c));
    else
      too_long = true;
  }
}

}  // namespace

Command add_mcp_command(CLI::App& app) {
  auto allow_actions = std::make_shared<bool>(false);
  Command c;
  c.sub = app.add_subcommand("mcp", "serve the read-only queries as MCP tools on stdin/stdout (JSON-RPC 2.0)");
  c.sub->add_flag("--allow-actions", *allow_actions,
                  "also offer the tools that change the node (gc, kill, suspend, resume; the agent must allow them too)");
  c.run = [allow_actions](const GlobalOptions& opts) -> int {
    if (opts.endpoint.empty()) {
      std::cerr << "beamscope-ctl: mcp needs --connect ENDPOINT\n";
      return kExitUsage;
    }
    std::ios::sync_with_stdio(false);
    mcp::Server server(mcp::query_tools(opts), BEAMSCOPE_VERSION, *allow_actions);
    std::string line;
    bool too_long = false;
    while (read_line(std::cin, line, too_long)) {
      auto answer = too_long ? std::optional(mcp::Server::too_long_response()) : server.handle_line(line);
      if (!answer) continue;
      std::cout << *answer << '\n' << std::flush;
    }
    return kExitOk;
  };
  return c;
}

}  // namespace beamscope::cli
