#include "snapshot_source.hpp"

#include <chrono>
#include <iostream>
#include <random>

#include "beamscope/transport/endpoint.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "node_select.hpp"
#include "past_source.hpp"
#include "replay_source.hpp"

namespace beamscope::cli {

namespace {

// Picks --node out of state.fleet (the selection's message and exit code
// on failure); a replay explains an absent node from the whole file.
bool choose_node(NodeState& state, const GlobalOptions& opts, const std::string& label, int& exit_code,
                 std::ostream& messages) {
  auto choice = select_node(state.fleet, opts.node, label);
  if (!choice.model && !opts.replay.empty() && !opts.node.empty()) {
    messages << "beamscope-ctl: " << explain_absent_node(opts, label, exit_code) << "\n";
    return false;
  }
  if (!choice.model) {
    messages << "beamscope-ctl: " << choice.error << "\n";
    exit_code = choice.exit_code;
    return false;
  }
  state.model = choice.model;
  state.name = choice.name;
  return true;
}

// The same selection as live, over the fleet rebuilt from a recording.
std::optional<NodeState> replay_node(const GlobalOptions& opts, int& exit_code, std::ostream& messages) {
  std::string label;
  auto fleet = replay_fleet(opts, label, exit_code, messages);
  if (!fleet) return std::nullopt;
  NodeState state;
  state.fleet = std::move(*fleet);
  if (!choose_node(state, opts, label, exit_code, messages)) return std::nullopt;
  return state;
}

// The same selection over the node as a recording collector held it at --at.
std::optional<NodeState> past_node(const GlobalOptions& opts, const std::string& name,
                                   transport::ClientSecurity security, int& exit_code, std::ostream& messages) {
  std::string label;
  auto fleet = past_fleet(opts, name, security, label, exit_code, messages);
  if (!fleet) return std::nullopt;
  NodeState state;
  state.fleet = std::move(*fleet);
  if (!choose_node(state, opts, label, exit_code, messages)) return std::nullopt;
  state.security = std::move(security);
  return state;
}

}  // namespace

std::optional<transport::ClientSecurity> endpoint_security(const GlobalOptions& opts, int& exit_code,
                                                           std::ostream& messages) {
  // A malformed endpoint is the user's typo (exit 2), not an absent agent.
  if (auto err = transport::check_endpoint(opts.endpoint, /*for_bind=*/false)) {
    messages << "beamscope-ctl: bad endpoint: " << *err << "\n";
    exit_code = kExitUsage;
    return std::nullopt;
  }
  transport::ClientSecurity security;
  if (auto err = transport::load_client_security(opts.server_public_key_file, opts.key_file, security)) {
    messages << "beamscope-ctl: " << *err << "\n";
    exit_code = kExitUsage;
    return std::nullopt;
  }
  return security;
}

std::optional<NodeState> fetch_node(const GlobalOptions& opts, int& exit_code, std::ostream& messages) {
  if (!opts.replay.empty()) return replay_node(opts, exit_code, messages);
  auto security = endpoint_security(opts, exit_code, messages);
  if (!security) return std::nullopt;
  // A named node is asked for at once: it may have left the collector since.
  if (!opts.at.empty() && !opts.node.empty()) return past_node(opts, opts.node, *security, exit_code, messages);
  std::string error;
  auto fleet =
      transport::fetch_snapshot(opts.endpoint, std::chrono::milliseconds(opts.timeout_ms), error, *security);
  if (!fleet && error.rfind("no answer", 0) != 0) {
    // Refused (keys) or a bad endpoint: the transport's sentence says it all.
    messages << "beamscope-ctl: " << error << "\n";
    exit_code = kExitFailure;
    return std::nullopt;
  }
  if (!fleet) {
    messages << "beamscope-ctl: " << error << ": is the agent (or collector) running?\n";
    exit_code = kExitFailure;
    return std::nullopt;
  }
  NodeState state;
  state.fleet = std::move(*fleet);
  if (!choose_node(state, opts, opts.endpoint, exit_code, messages)) return std::nullopt;
  if (!opts.at.empty()) return past_node(opts, state.name, *security, exit_code, messages);
  state.security = std::move(*security);
  return state;
}

int with_snapshot(const GlobalOptions& opts,
                  const std::function<void(const NodeState& state, const v1::Keyframe& snapshot)>& print) {
  int exit_code = kExitOk;
  auto state = fetch_node(opts, exit_code);
  if (!state) return exit_code;
  print(*state, *state->model->snapshot());
  return kExitOk;
}

std::optional<v1::ChildrenPage> fetch_children_page(const GlobalOptions& opts, const NodeState& state,
                                                    const std::string& supervisor_id, std::uint32_t offset,
                                                    std::uint32_t limit, v1::ChildrenRequest::Order order,
                                                    std::string& error) {
  std::random_device rd;
  v1::ChildrenRequest request;
  request.set_request_id((static_cast<std::uint64_t>(rd()) << 32 | rd()) | 1);  // never 0
  request.set_supervisor_id(supervisor_id);
  request.set_offset(offset);
  request.set_limit(limit);
  request.set_order(order);
  auto page = transport::fetch_children(opts.endpoint, state.name, request, std::chrono::milliseconds(opts.timeout_ms),
                                        error, state.security);
  if (!page) {
    if (error.rfind("no answer", 0) == 0)
      error = "no children page from " + opts.endpoint + " within " + std::to_string(opts.timeout_ms) + " ms (" +
              error + ")";
    return std::nullopt;
  }
  if (!page->error().empty()) {
    error = state.name + ": " + page->error();
    return std::nullopt;
  }
  return page;
}

}  // namespace beamscope::cli
