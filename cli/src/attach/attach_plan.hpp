// `beamscope-ctl attach`: load and start the agent in a running node
// without restarting it, and `detach`: stop and unload it, then check
// that nothing of ours is left. Both print to `out` (a summary, or one
// JSON document) and `err` ("beamscope-ctl: ...") and return an exit code.
#pragma once

#include <ostream>
#include <string>

namespace beamscope::cli::attach {

struct LinkOptions {
  std::string node;         ///< NAME@HOST or NAME (local short host)
  std::string cookie;       ///< --cookie
  std::string cookie_file;  ///< --cookie-file (else ~/.erlang.cookie)
  int connect_timeout_ms = 5000;
  int call_timeout_ms = 15000;
  bool json = false;
};

struct AttachOptions {
  LinkOptions link;
  std::string agent_dir;  ///< empty: default_agent_dir()
  std::string stream;     ///< --stream: stream_endpoint app env override
  std::string metrics;    ///< --metrics: metrics_listen app env override
};

/// Loads (code:load_binary), configures and starts the agent.
int run_attach(const AttachOptions& opts, std::ostream& out, std::ostream& err);

/// Stops and unloads the agent and verifies the node is as before.
int run_detach(const LinkOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace beamscope::cli::attach
