// One-shot fetches for command-line tools: a snapshot (Hello without
// streaming, keyframes until SnapshotDone) and a page of a supervisor's
// children; neither waits past its deadline.
#include <zmq.hpp>

#include "beamscope/transport/endpoint.hpp"
#include "beamscope/transport/socket_presets.hpp"
#include "beamscope/transport/stream_client.hpp"

namespace beamscope::transport {

std::string hello_frame(bool want_stream);  // stream_client.cpp

namespace {

using Clock = std::chrono::steady_clock;

// A checked, connected DEALER; false and `error` set when the endpoint is bad.
bool connect_dealer(zmq::socket_t& dealer, const std::string& endpoint, std::string& error) {
  if (auto err = check_endpoint(endpoint, /*for_bind=*/false)) {
    error = *err;
    return false;
  }
  try {
    apply_presets(dealer);
    dealer.connect(endpoint);
  } catch (const zmq::error_t& e) {
    error = endpoint + ": " + e.what();
    return false;
  }
  return true;
}

// Waits up to `deadline` (in slices of at most 200 ms) for one frame.
std::optional<protocol::DecodeResult> receive(zmq::socket_t& dealer, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return std::nullopt;
  zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::min(left, std::chrono::milliseconds(200)));
  if (!(item.revents & ZMQ_POLLIN)) return std::nullopt;
  zmq::message_t msg;
  if (!dealer.recv(msg, zmq::recv_flags::dontwait)) return std::nullopt;
  return protocol::decode(msg.to_string_view());
}

std::string no_answer(const std::string& endpoint, std::chrono::milliseconds timeout, std::uint64_t rejected) {
  std::string error = "no answer from " + endpoint + " within " + std::to_string(timeout.count()) + " ms";
  if (rejected) error += " (" + std::to_string(rejected) + " malformed frames dropped)";
  return error;
}

}  // namespace

std::optional<protocol::FleetModel> fetch_snapshot(const std::string& endpoint, std::chrono::milliseconds timeout,
                                                   std::string& error) {
  zmq::context_t ctx{1};
  zmq::socket_t dealer{ctx, zmq::socket_type::dealer};
  if (!connect_dealer(dealer, endpoint, error)) return std::nullopt;
  const auto deadline = Clock::now() + timeout;
  auto send_hello = [&] {
    const std::string hello = hello_frame(/*want_stream=*/false);
    zmq::message_t msg(hello.data(), hello.size());
    (void)dealer.send(msg, zmq::send_flags::dontwait);
  };
  send_hello();
  protocol::FleetModel fleet;
  bool answered = false;
  std::uint64_t rejected = 0;
  while (Clock::now() < deadline) {
    auto decoded = receive(dealer, deadline);
    if (!decoded) continue;
    auto* env = std::get_if<protocol::Envelope>(&*decoded);
    if (!env) {
      ++rejected;
      continue;
    }
    if (env->has_keyframe()) fleet.apply(*env);
    if (env->has_snapshot_done()) {
      answered = true;
      if (fleet.size() > 0) return fleet;
      // A freshly started agent has no state before its first tick: ask again.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      send_hello();
    }
  }
  if (answered) return fleet;  // the server answers but has no node yet
  error = no_answer(endpoint, timeout, rejected);
  return std::nullopt;
}

std::optional<v1::ChildrenPage> fetch_children(const std::string& endpoint, const std::string& node,
                                               const v1::ChildrenRequest& request,
                                               std::chrono::milliseconds timeout, std::string& error) {
  zmq::context_t ctx{1};
  zmq::socket_t dealer{ctx, zmq::socket_type::dealer};
  if (!connect_dealer(dealer, endpoint, error)) return std::nullopt;
  protocol::Envelope env;
  *env.mutable_children_request() = request;
  const std::string payload = protocol::encode(env, node, 0);
  zmq::message_t msg(payload.data(), payload.size());
  (void)dealer.send(msg, zmq::send_flags::dontwait);
  const auto deadline = Clock::now() + timeout;
  std::uint64_t rejected = 0;
  while (Clock::now() < deadline) {
    auto decoded = receive(dealer, deadline);
    if (!decoded) continue;
    auto* answer = std::get_if<protocol::Envelope>(&*decoded);
    if (!answer) {
      ++rejected;
      continue;
    }
    // Stream frames or stale answers are not ours: keep waiting.
    if (answer->has_children_page() && answer->children_page().request_id() == request.request_id())
      return answer->children_page();
  }
  error = no_answer(endpoint, timeout, rejected);
  return std::nullopt;
}

}  // namespace beamscope::transport
