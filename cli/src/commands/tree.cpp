// `tree`: every application's supervision tree with restart counts,
// restart history and intensity headroom, from one snapshot.
#include <iostream>

#include "commands/commands.hpp"
#include "render/render.hpp"
#include "snapshot_source.hpp"

namespace beamscope::cli {

Command add_tree_command(CLI::App& app) {
  Command c;
  c.sub = app.add_subcommand("tree", "supervision trees: applications, supervisors, children, restarts");
  c.run = [](const GlobalOptions& opts) -> int {
    return with_snapshot(opts, [&](const NodeState& state, const v1::Keyframe& kf) {
      if (opts.json)
        std::cout << dump_json(tree_json(state.name, state.model->updated_us(), kf)) << "\n";
      else
        print_tree_text(std::cout, state.name, kf);
    });
  };
  return c;
}

}  // namespace beamscope::cli
