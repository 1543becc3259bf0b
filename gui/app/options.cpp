// Command line parsing; see options.hpp.
#include "options.hpp"

#include <CLI/CLI.hpp>

#include "beamscope/build_version.hpp"

namespace beamscope::gui {

std::optional<int> parse_options(int argc, char** argv, Options& out) {
  CLI::App app{"beamscope: inspector for BEAM nodes running the beamscope agent (or a collector)"};
  app.set_version_flag("--version", "beamscope " BEAMSCOPE_VERSION);
  app.add_option("--connect", out.endpoints, "Agent or collector stream endpoint (repeatable)")
      ->default_str(kDefaultEndpoint);
  auto* replay = app.add_option("--replay", out.replay,
                                "Show a recording (beamscope-collector --record) instead of live streams; a bar "
                                "plays it and seeks");
  app.add_option("--at", out.at,
                 "The time shown first: in --replay's file, or live from a collector started with --record "
                 "(the node shown as it recorded it, a bar to move and go back to live): RFC 3339, unix seconds, "
                 "-5m from the end, +2m from the start, start or end (default with --replay: end)");
  app.get_option("--connect")->excludes(replay);
  app.add_option("--screenshot", out.screenshot, "Render --frames frames, write this PNG and exit");
  app.add_option("--frames", out.frames, "Frames to render before the screenshot")->check(CLI::Range(1, 100000));
  app.add_option("--width", out.width, "Window width")->check(CLI::Range(200, 16384));
  app.add_option("--height", out.height, "Window height")->check(CLI::Range(150, 16384));
  app.add_option("--tab", out.tab, "Tab shown first")->check(CLI::IsMember({"overview", "processes", "events"}));
  app.add_option("--node", out.node, "Node shown first when the endpoint is a collector (name@host); default: the first heard of");
  app.add_option("--select", out.select, "Process to select once data arrives: a pid, 'top' (largest mailbox), or a supervision tree entry (registered name, child id or tree id)");
  app.add_option("--page", out.page,
                 "Supervisor to open once data arrives, at a page of its children: ENTRY[:OFFSET[:ORDER]], "
                 "ORDER one of mailbox, memory, reductions, supervisor (e.g. beamscope_demo_pool_sup:100:memory)");
  app.add_option("--dump-state", out.dump_state, "With --screenshot: also write the inspector's state as JSON here");
  app.add_option("--server-public-key", out.server_public_key_file,
                 "CURVE public key file (.pub) of the agents/collector: the streams are encrypted");
  app.add_option("--key", out.key_file, "your CURVE secret key file (.secret, mode 0600)");
  app.add_option("--processes", out.processes,
                 "Processes tab lists: hot (the stream's hot set) or every (every process, in pages asked of the "
                 "agent; default: the saved choice, else hot)")
      ->check(CLI::IsMember({"hot", "every"}));
  app.add_option("--theme", out.theme, "Colours: dark or light (default: the saved choice, else dark)")
      ->check(CLI::IsMember({"dark", "light"}));
  app.add_option("--keys", out.keys,
                 "With --screenshot: keys pressed once data is shown, e.g. 'down*3,enter,f6,slash,type:sink,esc' "
                 "(up down left right pageup pagedown home end enter esc slash f6 type:TEXT)");
  app.add_option("--simulate-content-scale", out.simulate_content_scale,
                 "With --screenshot: once data is shown, act as if the window moved to a monitor of this scale")
      ->check(CLI::Range(1.0, 4.0));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (out.endpoints.empty() && out.replay.empty()) out.endpoints.push_back(kDefaultEndpoint);
  return std::nullopt;
}

}  // namespace beamscope::gui
