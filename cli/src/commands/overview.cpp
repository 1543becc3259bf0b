// `overview`: the node's identity, VM gauges, mailbox histogram and the
// agent's own stats, from one snapshot.
#include <iostream>

#include "commands/commands.hpp"
#include "render/render.hpp"
#include "snapshot_source.hpp"

namespace beamscope::cli {

Command add_overview_command(CLI::App& app) {
  Command c;
  c.sub = app.add_subcommand("overview", "VM gauges, memory, mailbox histogram and agent stats of one node");
  c.run = [](const GlobalOptions& opts) -> int {
    int exit_code = kExitOk;
    auto state = fetch_node(opts, exit_code);
    if (!state) return exit_code;
    const auto snapshot = state->model->snapshot();
    if (opts.json)
      std::cout << dump_json(overview_json(*snapshot, state->model->updated_us())) << "\n";
    else
      print_overview_text(std::cout, *snapshot, state->model->updated_us());
    return kExitOk;
  };
  return c;
}

}  // namespace beamscope::cli
