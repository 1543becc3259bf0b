// `attach`: load and start the agent in a running node (attach/attach_plan).
#include <iostream>
#include <memory>

#include "attach/attach_plan.hpp"
#include "commands/commands.hpp"
#include "commands/link_options.hpp"


namespace beamscope::cli {

Command add_attach_command(CLI::App& app) {
  auto opts = std::make_shared<attach::AttachOptions>();
  Command c;
  c.sub = app.add_subcommand("attach", "load and start the agent in a running node, without restarting it");
  add_link_options(*c.sub, opts->link);
  c.sub->add_option("--agent-dir", opts->agent_dir,
                    "agent application dir (default: the one beside this program: the build's erlang/beamscope, "
                    "or the installed lib/erlang/lib/beamscope-VERSION)");
  c.sub->add_option("--stream", opts->stream, "stream endpoint the agent binds (app env stream_endpoint)");
  c.sub->add_option("--metrics", opts->metrics, "HOST:PORT for /metrics, or 'disabled' (app env metrics_listen)");
  c.run = [opts](const GlobalOptions& global) {
    opts->link.json = global.json;
    return attach::run_attach(*opts, std::cout, std::cerr);
  };
  return c;
}

}  // namespace beamscope::cli
