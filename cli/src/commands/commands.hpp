// Every beamscope-ctl subcommand registers itself through one function
// here and runs after parsing. One file per command; later issues add
// attach, detach, tree, proc and events the same way.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "beamscope.pb.h"
#include "ctl_options.hpp"

namespace beamscope::cli {

struct Command {
  CLI::App* sub = nullptr;
  /// Runs the command once parsing picked it; returns the exit code.
  std::function<int(const GlobalOptions&)> run;
};

// attach.cpp / detach.cpp: load the agent into a running node, and unload it.
Command add_attach_command(CLI::App& app);
Command add_detach_command(CLI::App& app);
Command add_overview_command(CLI::App& app);
Command add_top_command(CLI::App& app);
Command add_tree_command(CLI::App& app);
Command add_events_command(CLI::App& app);
Command add_children_command(CLI::App& app);
// ps.cpp, proc.cpp: every process in pages, one in detail, and actions
// (protocol 1.3).
Command add_ps_command(CLI::App& app);
Command add_proc_command(CLI::App& app);
Command add_action_command(CLI::App& app, v1::ActionRequest::Action action, const std::string& help);
int run_action(const GlobalOptions& global, v1::ActionRequest request);
// recording.cpp: `recording info FILE` (--replay itself is a global option).
Command add_recording_command(CLI::App& app);
// history.cpp: one VM series over time (an agent's ring, a collector's history).
Command add_history_command(CLI::App& app);
Command add_alerts_command(CLI::App& app);
// keygen.cpp: a CURVE key pair for an agent, a collector or a viewer.
Command add_keygen_command(CLI::App& app);
// mcp.cpp: the queries as Model Context Protocol tools on stdin/stdout.
Command add_mcp_command(CLI::App& app);

}  // namespace beamscope::cli
