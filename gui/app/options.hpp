// Command line of `beamscope` (CLI11).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace beamscope::gui {

struct Options {
  std::vector<std::string> endpoints;  ///< at least one after parsing, unless --replay
  std::string replay;                  ///< --replay FILE: a recording instead of live streams
  std::string at;                      ///< --at TIME in the recording or a recording collector's (recording/time_arg.hpp)
  std::string screenshot;              ///< PNG path; empty: interactive
  int frames = 60;                     ///< frames to render before the screenshot
  int width = 1280;
  int height = 800;
  std::string tab = "overview";        ///< tab shown first: overview | processes | events
  std::string node;                    ///< node shown first (behind a collector); default: the first heard of
  std::string select;                  ///< selected at start: a pid, "top" (largest mailbox), or a tree entry
  std::string page;                    ///< supervisor opened at start, "ENTRY[:OFFSET[:ORDER]]"
  std::string dump_state;              ///< JSON state written with the screenshot
  std::string server_public_key_file;  ///< --server-public-key: CURVE, the server's .pub
  std::string key_file;                ///< --key: our .secret
  std::string theme;                   ///< dark | light; empty: the saved setting
  std::string processes;               ///< hot | every: the Processes tab's list; empty: the saved setting
  std::string keys;                    ///< --keys: key presses once data is shown (key_script.hpp)
  float simulate_content_scale = 0;    ///< > 0: as if the monitor's scale changed to this once data is shown
};

inline constexpr const char* kDefaultEndpoint = "tcp://127.0.0.1:9755";

/// Parses argv; returns an exit code when the program should stop now
/// (--help, or a usage error already printed).
std::optional<int> parse_options(int argc, char** argv, Options& out);

}  // namespace beamscope::gui
