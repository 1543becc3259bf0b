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
  std::string error;
  auto fleet = transport::fetch_snapshot(opts.endpoint, std::chrono::milliseconds(opts.timeout_ms), error);
  if (!fleet) {
    std::cerr << "beamscope-ctl: no answer from " << opts.endpoint << " within " << opts.timeout_ms
              << " ms: is the agent (or collector) running?";
    // The transport's own reason only when it says more than "no answer".
    if (error.rfind("no answer", 0) != 0) std::cerr << " (" << error << ")";
    std::cerr << "\n";
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
  return state;
}

}  // namespace beamscope::cli
