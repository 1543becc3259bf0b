#include "snapshot_source.hpp"

#include <chrono>
#include <iostream>

#include "beamscope/transport/endpoint.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "node_select.hpp"

namespace beamscope::cli {

std::optional<NodeState> fetch_node(const GlobalOptions& opts, int& exit_code) {
  // A malformed endpoint is the user's typo (exit 2), not an absent agent.
  if (auto err = transport::check_endpoint(opts.endpoint, /*for_bind=*/false)) {
    std::cerr << "beamscope-ctl: bad endpoint: " << *err << "\n";
    exit_code = kExitUsage;
    return std::nullopt;
  }
  transport::ClientSecurity security;
  if (auto err = transport::load_client_security(opts.server_public_key_file, opts.key_file, security)) {
    std::cerr << "beamscope-ctl: " << *err << "\n";
    exit_code = kExitUsage;
    return std::nullopt;
  }
  std::string error;
  auto fleet =
      transport::fetch_snapshot(opts.endpoint, std::chrono::milliseconds(opts.timeout_ms), error, security);
  if (!fleet && error.rfind("no answer", 0) != 0) {
    // Refused (keys) or a bad endpoint: the transport's sentence says it all.
    std::cerr << "beamscope-ctl: " << error << "\n";
    exit_code = kExitFailure;
    return std::nullopt;
  }
  if (!fleet) {
    std::cerr << "beamscope-ctl: " << error << ": is the agent (or collector) running?\n";
    exit_code = kExitFailure;
    return std::nullopt;
  }
  NodeState state;
  state.fleet = std::move(*fleet);
  auto choice = select_node(state.fleet, opts.node, opts.endpoint);
  if (!choice.model) {
    std::cerr << "beamscope-ctl: " << choice.error << "\n";
    exit_code = choice.exit_code;
    return std::nullopt;
  }
  state.model = choice.model;
  state.name = choice.name;
  state.security = std::move(security);
  return state;
}

}  // namespace beamscope::cli
