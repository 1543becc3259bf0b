// One-shot snapshot for command-line tools: Hello without streaming, collect
// keyframes until SnapshotDone, never wait past the deadline.
#include <zmq.hpp>

#include "beamscope/transport/endpoint.hpp"
#include "beamscope/transport/socket_presets.hpp"
#include "beamscope/transport/stream_client.hpp"

namespace beamscope::transport {

std::string hello_frame(bool want_stream);  // stream_client.cpp

std::optional<protocol::FleetModel> fetch_snapshot(const std::string& endpoint, std::chrono::milliseconds timeout,
                                                   std::string& error) {
  using Clock = std::chrono::steady_clock;
  if (auto err = check_endpoint(endpoint, /*for_bind=*/false)) {
    error = *err;
    return std::nullopt;
  }
  zmq::context_t ctx{1};
  zmq::socket_t dealer{ctx, zmq::socket_type::dealer};
  try {
    apply_presets(dealer);
    dealer.connect(endpoint);
  } catch (const zmq::error_t& e) {
    error = endpoint + ": " + e.what();
    return std::nullopt;
  }
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
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::min(left, std::chrono::milliseconds(200)));
    if (!(item.revents & ZMQ_POLLIN)) continue;
    zmq::message_t msg;
    if (!dealer.recv(msg, zmq::recv_flags::dontwait)) continue;
    auto decoded = protocol::decode(msg.to_string_view());
    auto* env = std::get_if<protocol::Envelope>(&decoded);
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
  error = "no answer from " + endpoint + " within " + std::to_string(timeout.count()) + " ms";
  if (rejected) error += " (" + std::to_string(rejected) + " malformed frames dropped)";
  return std::nullopt;
}

}  // namespace beamscope::transport
