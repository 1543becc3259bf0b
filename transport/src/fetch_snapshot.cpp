// One-shot fetches for command-line tools: a snapshot (Hello without
// streaming, keyframes until SnapshotDone) and a page of a supervisor's
// children; neither waits past its deadline, nor for long once all a
// server sends is dropped (another major version, garbage).
#include <algorithm>
#include <functional>

#include <zmq.hpp>

#include "beamscope/protocol/requests.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "viewer_socket.hpp"

namespace beamscope::transport {

std::string hello_frame(bool want_stream);  // stream_client.cpp

namespace {

using Clock = std::chrono::steady_clock;

// Frames dropped, and since when nothing but dropped frames came: after
// kDropGraceMs of that a fetch stops waiting and says what it dropped.
struct Drops {
  protocol::DecodeRejects rejects;
  std::optional<Clock::time_point> bad_since;

  void note(const protocol::DecodeResult& r) {
    if (std::holds_alternative<protocol::Envelope>(r)) bad_since.reset();
    else if (!bad_since) bad_since = Clock::now();
  }
  Clock::time_point until(Clock::time_point deadline) const {
    return bad_since ? std::min(deadline, *bad_since + std::chrono::milliseconds(kDropGraceMs)) : deadline;
  }
};

// Waits up to `deadline` (in slices of at most 200 ms) for one frame; a
// refused handshake ends the wait at once with `refusal` set.
std::optional<protocol::DecodeResult> receive(ViewerSocket& viewer, Clock::time_point deadline,
                                              std::string& refusal, Drops& drops) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return std::nullopt;
  zmq::pollitem_t items[] = {{viewer.dealer().handle(), 0, ZMQ_POLLIN, 0},
                             {viewer.monitor_socket().handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, 2, std::min(left, std::chrono::milliseconds(200)));
  refusal = viewer.refusal();
  if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
  zmq::message_t msg;
  if (!viewer.dealer().recv(msg, zmq::recv_flags::dontwait)) return std::nullopt;
  auto decoded = drops.rejects.decode(msg.to_string_view());
  drops.note(decoded);
  return decoded;
}

// Why nothing usable came: the frames we dropped, if any, else silence.
std::string no_answer(const std::string& endpoint, std::chrono::milliseconds timeout, const Drops& drops) {
  if (drops.rejects.total() > 0) return drops.rejects.describe(endpoint);
  return "no answer from " + endpoint + " within " + std::to_string(timeout.count()) + " ms";
}

}  // namespace

std::optional<protocol::FleetModel> fetch_snapshot(const std::string& endpoint, std::chrono::milliseconds timeout,
                                                   std::string& error, const ClientSecurity& security) {
  zmq::context_t ctx{1};
  auto viewer = ViewerSocket::connect(ctx, endpoint, security, error);
  if (!viewer) return std::nullopt;
  const auto deadline = Clock::now() + timeout;
  auto send_hello = [&] {
    const std::string hello = hello_frame(/*want_stream=*/false);
    zmq::message_t msg(hello.data(), hello.size());
    (void)viewer->dealer().send(msg, zmq::send_flags::dontwait);
  };
  send_hello();
  protocol::FleetModel fleet;
  bool answered = false;
  Drops drops;
  std::string refusal;
  while (Clock::now() < drops.until(deadline)) {
    auto decoded = receive(*viewer, drops.until(deadline), refusal, drops);
    if (!refusal.empty()) break;
    if (!decoded) continue;
    auto* env = std::get_if<protocol::Envelope>(&*decoded);
    if (!env) continue;
    if (env->has_refused()) {
      error = refused_message(endpoint, env->refused());
      return std::nullopt;
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
  if (!refusal.empty()) {
    error = refusal;
    return std::nullopt;
  }
  if (answered) return fleet;  // the server answers but has no node yet
  error = no_answer(endpoint, timeout, drops);
  return std::nullopt;
}

std::optional<protocol::Envelope> fetch_answer(const std::string& endpoint, const std::string& node,
                                               protocol::Envelope request, std::chrono::milliseconds timeout,
                                               std::string& error, const ClientSecurity& security) {
  zmq::context_t ctx{1};
  auto viewer = ViewerSocket::connect(ctx, endpoint, security, error);
  if (!viewer) return std::nullopt;
  const std::string payload = protocol::encode(request, node, 0);
  zmq::message_t msg(payload.data(), payload.size());
  (void)viewer->dealer().send(msg, zmq::send_flags::dontwait);
  const auto deadline = Clock::now() + timeout;
  Drops drops;
  std::string refusal;
  while (Clock::now() < drops.until(deadline)) {
    auto decoded = receive(*viewer, drops.until(deadline), refusal, drops);
    if (!refusal.empty()) {
      error = refusal;
      return std::nullopt;
    }
    if (!decoded) continue;
    auto* answer = std::get_if<protocol::Envelope>(&*decoded);
    if (!answer) continue;
    if (answer->has_refused()) {
      error = refused_message(endpoint, answer->refused());
      return std::nullopt;
    }
    // Stream frames or stale answers are not ours: keep waiting.
    if (protocol::answers(request, *answer)) return std::move(*answer);
  }
  error = no_answer(endpoint, timeout, drops);
  return std::nullopt;
}

std::optional<v1::ChildrenPage> fetch_children(const std::string& endpoint, const std::string& node,
                                               const v1::ChildrenRequest& request,
                                               std::chrono::milliseconds timeout, std::string& error,
                                               const ClientSecurity& security) {
  protocol::Envelope env;
  *env.mutable_children_request() = request;
  auto answer = fetch_answer(endpoint, node, std::move(env), timeout, error, security);
  if (!answer) return std::nullopt;
  return answer->children_page();
}

std::optional<v1::HistoryAnswer> fetch_history(const std::string& endpoint, const std::string& node,
                                               const v1::HistoryRequest& request,
                                               std::chrono::milliseconds timeout, std::string& error,
                                               const ClientSecurity& security) {
  protocol::Envelope env;
  *env.mutable_history_request() = request;
  auto answer = fetch_answer(endpoint, node, std::move(env), timeout, error, security);
  if (!answer) return std::nullopt;
  return std::move(*answer->mutable_history_answer());
}

}  // namespace beamscope::transport
