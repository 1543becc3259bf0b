// `recording info FILE`: what a recording holds (nodes, time range, frames,
// bytes, damage), from one full pass that checks every chunk.
#include <iostream>
#include <memory>

#include "beamscope/recording/info.hpp"
#include "commands/commands.hpp"
#include "render/render.hpp"

namespace beamscope::cli {

Command add_recording_command(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  Command c;
  c.sub = app.add_subcommand("recording", "inspect a recording made with beamscope-collector --record");
  auto* info = c.sub->add_subcommand("info", "nodes, time range, frames, bytes and damage of a recording");
  c.sub->require_subcommand(1);
  info->add_option("file", *file, "the recording")->required();
  c.run = [file](const GlobalOptions& opts) -> int {
    std::string error;
    auto reader = recording::Reader::open(*file, error);
    if (!reader) {
      std::cerr << "beamscope-ctl: " << error << "\n";
      return kExitFailure;
    }
    const auto summary = recording::inspect(*reader);
    if (summary.totals.damage)
      std::cerr << "beamscope-ctl: warning: " << *file << " is " << summary.totals.damage->describe()
                << "; what precedes it reads whole\n";
    if (opts.json)
      std::cout << dump_json(recording_info_json(*file, summary)) << "\n";
    else
      print_recording_info_text(std::cout, *file, summary);
    return kExitOk;
  };
  return c;
}

}  // namespace beamscope::cli
