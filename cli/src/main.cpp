// beamscope-ctl: query an agent or a collector from scripts (--json) or a
// terminal. main only parses and dispatches; commands live in commands/.
#include <iostream>
#include <vector>

#include <CLI/CLI.hpp>

#include "beamscope/build_version.hpp"
#include "commands/commands.hpp"
#include "ctl_options.hpp"

int main(int argc, char** argv) {
  using namespace beamscope::cli;
  GlobalOptions opts;
  CLI::App app{"beamscope-ctl: query a beamscope agent or collector", "beamscope-ctl"};
  // Global options may also follow the subcommand: `top --json --connect ...`.
  app.fallthrough();
  app.require_subcommand(1);
  app.set_version_flag("--version", "beamscope-ctl " BEAMSCOPE_VERSION);
  // Not required here: attach and detach talk to a node, not an endpoint;
  // the query commands reject an empty endpoint themselves (exit 2).
  app.add_option("--connect", opts.endpoint, "agent or collector endpoint, e.g. tcp://127.0.0.1:9755");
  app.add_option("--node", opts.node, "node to show when the endpoint knows several (a collector)");
  app.add_option("--timeout-ms", opts.timeout_ms, "give up after this long")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  app.add_flag("--json", opts.json, "print one JSON document (fields: cli/README-json.md)");
  app.add_option("--server-public-key", opts.server_public_key_file,
                 "the agent's or collector's CURVE public key file (.pub): the stream is encrypted");
  app.add_option("--key", opts.key_file, "your CURVE secret key file (.secret, mode 0600) for a server that "
                                         "authorizes viewers by key");

  app.add_option("--replay", opts.replay, "answer from a recording (beamscope-collector --record FILE) instead of "
                                         "--connect");
  app.add_option("--at", opts.at, "answer as the node was at this time: from --replay's file, or from a "
                                  "collector started with --record (--connect): RFC 3339, unix seconds, -5m from "
                                  "the end, +2m from the start (default with --replay: the end)");
  std::vector<Command> commands{add_overview_command(app), add_top_command(app), add_tree_command(app),
                                add_events_command(app), add_children_command(app)};
  commands.push_back(add_ps_command(app));
  commands.push_back(add_proc_command(app));
  commands.push_back(add_action_command(app, beamscope::v1::ActionRequest::GC, "garbage collect a process (allow_actions gc)"));
  commands.push_back(add_action_command(app, beamscope::v1::ActionRequest::KILL, "kill a process (allow_actions kill)"));
  commands.push_back(add_action_command(app, beamscope::v1::ActionRequest::SUSPEND, "suspend a process (allow_actions suspend)"));
  commands.push_back(add_action_command(app, beamscope::v1::ActionRequest::RESUME, "resume a process the agent suspended (allow_actions suspend)"));
  commands.push_back(add_recording_command(app));
  commands.push_back(add_history_command(app));
  commands.push_back(add_alerts_command(app));
  commands.push_back(add_keygen_command(app));
  commands.push_back(add_mcp_command(app));
  commands.push_back(add_attach_command(app));
  commands.push_back(add_detach_command(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    // --help is not an error; every real parse error is a usage error (2).
    return code == 0 ? 0 : kExitUsage;
  }
  for (const auto& c : commands)
    if (c.sub->parsed()) return c.run(opts);
  return kExitUsage;
}
