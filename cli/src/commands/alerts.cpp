// `alerts`: what the agent's alert rules raise on one node right now
// (growing mailboxes, restart storms, supervisors at their intensity,
// monitor events, counts near limits, memory growth). Read, never derived.
#include <iostream>

#include "commands/commands.hpp"
#include "render/render.hpp"
#include "snapshot_source.hpp"

namespace beamscope::cli {

Command add_alerts_command(CLI::App& app) {
  Command c;
  c.sub = app.add_subcommand("alerts", "alerts the agent raises now, most severe first");
  c.run = [](const GlobalOptions& opts) -> int {
    return with_snapshot(opts, [&](const NodeState& state, const v1::Keyframe& kf) {
      if (opts.json)
        std::cout << dump_json(alerts_json(state.name, state.model->updated_us(), kf)) << "\n";
      else
        print_alerts_text(std::cout, state.name, kf);
    });
  };
  return c;
}

}  // namespace beamscope::cli
