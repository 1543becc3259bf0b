// Command line of beamscope-collector, parsed and checked apart from main()
// so bad input is tested without starting anything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "beamscope/protocol/model_limits.hpp"

namespace beamscope::collector {

/// Exit code for bad command-line input (unknown flag, bad endpoint, ...).
inline constexpr int kExitUsage = 2;
/// Exit code when the collector cannot start (port in use, ...).
inline constexpr int kExitStartFailed = 1;

/// Nodes a collector serves unless --max-nodes says otherwise.
inline constexpr std::size_t kDefaultMaxNodes = 1024;

struct CollectorOptions {
  std::vector<std::string> agents;                ///< --agent endpoints (none if an --agents-file is given)
  std::vector<std::string> agent_server_keys;     ///< per agent: its .pub (",server-key=FILE"), "" for plaintext
  std::string agents_file;                        ///< --agents-file: more agents, re-read on SIGHUP
  std::string key_file;                           ///< --key: our .secret towards CURVE agents
  std::string secret_key_file;                    ///< --secret-key: CURVE on the viewer endpoint
  std::string authorized_keys_file;               ///< --authorized-keys: viewers allowed on it
  bool insecure_remote = false;                   ///< --insecure-remote: plaintext --listen (and --agents-listen) off loopback
  std::string agents_listen;                      ///< --agents-listen: where agents dial in ("" = none)
  std::string agents_authorized_keys_file;        ///< --agents-authorized-keys: agents allowed to dial in
  std::size_t max_viewers = 64;  ///< viewers served at once (--max-viewers); more are refused
  std::string listen = "tcp://127.0.0.1:9756";    ///< --listen: viewers connect here
  std::string metrics = "127.0.0.1:9757";         ///< --metrics HOST:PORT, or "none"
  std::size_t top_k = 20;                         ///< --top-k per-process series per ranking
  std::string metrics_auth_file;                  ///< --metrics-auth-file: one line user:password
  std::string metrics_tls_pem;                    ///< --metrics-tls-pem: key + certificate PEM
  std::string log_level = "info";                 ///< --log-level
  std::string record;                             ///< --record FILE: every node's stream into a recording
  bool discover = false;                          ///< --discover: follow the agents of the nodes' clusters
  std::size_t max_discovered = 256;               ///< --max-discovered: agents discovery may follow at once
  /// --memory-limit: the history of every node together (BYTES, NKiB, NMiB, NGiB).
  std::uint64_t memory_limit = std::uint64_t{512} << 20;
  /// --max-nodes, --max-processes, --max-tree-entries, --max-events: what
  /// the collector keeps; past them entries are cut and counted
  /// (beamscope_collector_state_cut_total). Per node, the largest a
  /// keyframe can carry; 1024 nodes.
  protocol::ModelLimits limits{.max_nodes = kDefaultMaxNodes};
};

/// Parses argv with CLI11. Returns nullopt to go on, or the exit code to
/// leave with (0 after --help, kExitUsage on bad input, message on stderr).
std::optional<int> parse_command_line(int argc, const char* const* argv, CollectorOptions& out);

/// Splits "ENDPOINT[,server-key=FILE]" of --agent; the error, or nullopt.
std::optional<std::string> parse_agent_spec(const std::string& spec, std::string& endpoint, std::string& server_key);

/// Checks every endpoint and the metrics address; the first problem, or nullopt.
std::optional<std::string> validate(const CollectorOptions& opts);

/// Checks "HOST:PORT" (port 0..65535; 0 picks a free one) or "none".
std::optional<std::string> check_metrics_address(const std::string& address);

}  // namespace beamscope::collector
