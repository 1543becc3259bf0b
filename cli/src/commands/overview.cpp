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
    return with_snapshot(opts, [&](const NodeState& state, const v1::Keyframe& kf) {
      if (opts.json)
        std::cout << dump_json(overview_json(kf, state.model->updated_us())) << "\n";
      else
        print_overview_text(std::cout, kf, state.model->updated_us());
    });
  };
  return c;
}

}  // namespace beamscope::cli
