#include "request_source.hpp"

#include <chrono>
#include <iostream>
#include <random>

#include "beamscope/protocol/requests.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "snapshot_source.hpp"

namespace beamscope::cli {

std::uint64_t new_request_id() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32 | rd()) | 1;
}

std::optional<protocol::Envelope> ask_node(const GlobalOptions& opts, protocol::Envelope request, std::string& node,
                                           int& exit_code, std::ostream& messages) {
  if (auto why = protocol::check_request(request)) {
    messages << "beamscope-ctl: " << *why << "\n";
    exit_code = kExitUsage;
    return std::nullopt;
  }
  // The agent answers as it is now: a past time has no agent to ask.
  if (!opts.at.empty()) {
    messages << "beamscope-ctl: --at answers overview, top, tree, events, alerts and children from a recording; "
                "this command asks the agent now: drop --at\n";
    exit_code = kExitUsage;
    return std::nullopt;
  }
  // The snapshot names the node (and picks --node out of a collector's).
  auto state = fetch_node(opts, exit_code, messages);
  if (!state) return std::nullopt;
  node = state->name;
  std::string error;
  auto answer = transport::fetch_answer(opts.endpoint, state->name, std::move(request),
                                        std::chrono::milliseconds(opts.timeout_ms), error, state->security);
  if (!answer) {
    messages << "beamscope-ctl: " << error << "\n";
    exit_code = kExitFailure;
    return std::nullopt;
  }
  return answer;
}

}  // namespace beamscope::cli
