// `events --limit N`: recent restarts, crashes, escalations and monitor
// events of one node, oldest first.
#include <iostream>
#include <memory>

#include "commands/commands.hpp"
#include "render/render.hpp"
#include "snapshot_source.hpp"

namespace beamscope::cli {

Command add_events_command(CLI::App& app) {
  auto limit = std::make_shared<std::size_t>(0);
  Command c;
  c.sub = app.add_subcommand("events", "recent restart, crash, escalation and system_monitor events");
  c.sub->add_option("--limit", *limit, "only the newest N events (0: every event kept)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  c.run = [limit](const GlobalOptions& opts) -> int {
    return with_snapshot(opts, [&](const NodeState& state, const v1::Keyframe& kf) {
      if (opts.json)
        std::cout << dump_json(events_json(state.name, state.model->updated_us(), kf, *limit)) << "\n";
      else
        print_events_text(std::cout, state.name, kf, *limit);
    });
  };
  return c;
}

}  // namespace beamscope::cli
