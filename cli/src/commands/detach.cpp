// `detach`: stop and unload the agent and check nothing of it is left
// (attach/detach_plan).
#include <iostream>
#include <memory>

#include "attach/attach_plan.hpp"
#include "commands/commands.hpp"
#include "commands/link_options.hpp"

namespace beamscope::cli {

Command add_detach_command(CLI::App& app) {
  auto opts = std::make_shared<attach::LinkOptions>();
  Command c;
  c.sub = app.add_subcommand("detach", "stop and unload the agent, and check nothing of it is left");
  add_link_options(*c.sub, *opts);
  c.run = [opts](const GlobalOptions& global) {
    opts->json = global.json;
    return attach::run_detach(*opts, std::cout, std::cerr);
  };
  return c;
}

}  // namespace beamscope::cli
