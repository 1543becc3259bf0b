// Options shared by every beamscope-ctl command, and its exit codes.
#pragma once

#include <string>

namespace beamscope::cli {

/// Exit codes (documented in README-json.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,  ///< no answer, or no node state yet
  kExitUsage = 2,    ///< bad arguments: endpoint string, unknown or ambiguous node
};

struct GlobalOptions {
  std::string endpoint;      ///< --connect
  std::string node;          ///< --node; empty: the only node there is
  int timeout_ms = 3000;     ///< --timeout-ms: whole fetch, never more
  bool json = false;         ///< --json: one JSON document on stdout
  std::string server_public_key_file;  ///< --server-public-key: the agent's or collector's .pub
  std::string key_file;                ///< --key: our own .secret (CURVE)
  std::string replay;                  ///< --replay FILE: answer from a recording instead of --connect
  std::string at;                      ///< --at TIME in the recording ("": the end)
};

}  // namespace beamscope::cli
