// The viewing side of the stream (see stream_client.hpp). One thread owns the
// DEALER socket and the FleetModel and publishes immutable snapshots.
#include "beamscope/transport/stream_client.hpp"

#include "beamscope/protocol/requests.hpp"

#include <algorithm>
#include <deque>

#include <sys/eventfd.h>
#include <unistd.h>

#include <zmq.hpp>

#include "beamscope/transport/retry_backoff.hpp"
#include "viewer_socket.hpp"

namespace beamscope::transport {

using Clock = std::chrono::steady_clock;
using protocol::ApplyResult;
using protocol::Envelope;

namespace {
// The thread sleeps until a frame, a request or stop() (the eventfd), or
// its next heartbeat, silence check or retry is due: a collector holds a
// link per agent, and 200 links waking every 20 ms cost a third of a core
// doing nothing (bench/ingest). Without an eventfd it polls this often.
constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr auto kLongestSleep = std::chrono::milliseconds(1000);
constexpr auto kHeartbeatInterval = std::chrono::milliseconds(1000);
// Silence this long means the server is gone, restarted or stuck (it sends
// a Heartbeat every second): its nodes are reported gone and the socket is
// made anew.
constexpr auto kSilenceTimeout = std::chrono::milliseconds(3000);
constexpr auto kResyncBackoff = std::chrono::milliseconds(500);
}  // namespace

std::string hello_frame(bool want_stream) {
  Envelope env;
  env.mutable_hello()->set_client("beamscope-viewer");
  env.mutable_hello()->set_want_stream(want_stream);
  return protocol::encode(env, "", 0);
}

struct StreamClient::Impl {
  std::string endpoint;
  StreamClient::FrameHandler on_frame;
  StreamClient::GoneHandler on_gone;
  StreamClient::ReplyHandler on_reply;
  std::optional<zmq::context_t> own_ctx;  // unset when started on a shared context
  zmq::context_t* ctx = nullptr;
  ClientSecurity security;
  std::unique_ptr<ViewerSocket> viewer;
  RetryBackoff retry;  // a refused socket is not reconnected by libzmq: we make a new one
  std::thread thread;
  std::atomic<bool> running{false};
  int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

  protocol::FleetModel fleet;
  protocol::DecodeRejects rejects;  // this thread's count, copied into stats
  Clock::time_point last_heard{};
  Clock::time_point last_hello{};
  Clock::time_point last_heartbeat{};
  bool silent_reported = true;  // nothing to report before the first frame

  std::mutex outgoing_mutex;
  std::deque<std::string> outgoing;  // requests from other threads, encoded

  mutable std::mutex mutex;  // guards fleet, snapshot and stats
  // Made when asked for, not at every frame: a collector's links never ask
  // (it reads frames through on_frame), and a copy of every process and
  // tree entry at each frame was most of what a link cost (bench/ingest).
  std::vector<std::shared_ptr<const protocol::Keyframe>> snapshot;
  bool snapshot_stale = false;
  StreamClientStats stats;

  ~Impl() {
    if (wake_fd >= 0) ::close(wake_fd);
  }
  void wake() {
    const std::uint64_t one = 1;
    if (wake_fd >= 0) (void)!::write(wake_fd, &one, sizeof one);
  }
  std::chrono::milliseconds sleep_for(Clock::time_point now) const;
  void run();
  void send(const std::string& payload);
  void send_requests();
  void say_hello(Clock::time_point now);
  void reconnect(Clock::time_point now);
  bool handle(const protocol::OwnedEnvelope& frame, Clock::time_point now);
  void on_silence();
  void refresh_snapshot();
};

std::unique_ptr<StreamClient> StreamClient::start(const std::string& endpoint, std::string& error,
                                                  FrameHandler on_frame, GoneHandler on_gone,
                                                  ReplyHandler on_reply, const ClientSecurity& security,
                                                  const protocol::ModelLimits& limits,
                                                  zmq::context_t* shared_context) {
  auto impl = std::make_unique<Impl>();
  if (shared_context) {
    impl->ctx = shared_context;
  } else {
    impl->ctx = &impl->own_ctx.emplace(1);
  }
  impl->fleet = protocol::FleetModel(limits);
  impl->endpoint = endpoint;
  impl->on_frame = std::move(on_frame);
  impl->on_gone = std::move(on_gone);
  impl->on_reply = std::move(on_reply);
  impl->security = security;
  impl->viewer = ViewerSocket::connect(*impl->ctx, endpoint, security, error);
  if (!impl->viewer) return nullptr;
  impl->running = true;
  std::unique_ptr<StreamClient> client(new StreamClient(std::move(impl), endpoint));
  client->impl_->thread = std::thread([raw = client->impl_.get()] { raw->run(); });
  return client;
}

StreamClient::StreamClient(std::unique_ptr<Impl> impl, std::string endpoint)
    : impl_(std::move(impl)), endpoint_(std::move(endpoint)) {}

StreamClient::~StreamClient() { stop(); }

void StreamClient::stop() {
  if (!impl_ || !impl_->running.exchange(false)) return;
  impl_->wake();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->viewer.reset();
  if (impl_->own_ctx) impl_->own_ctx->close();  // a shared one is its owner's to close
}

std::vector<std::shared_ptr<const protocol::Keyframe>> StreamClient::snapshots() const {
  std::lock_guard lock(impl_->mutex);
  if (impl_->snapshot_stale) impl_->refresh_snapshot();
  return impl_->snapshot;
}

StreamClientStats StreamClient::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

bool StreamClient::request(Envelope env) {
  constexpr std::size_t kMaxWaiting = 64;
  std::string payload = protocol::encode(env, env.node(), 0);
  std::lock_guard lock(impl_->outgoing_mutex);
  if (impl_->outgoing.size() >= kMaxWaiting) return false;
  impl_->outgoing.push_back(std::move(payload));
  impl_->wake();
  return true;
}

void StreamClient::Impl::send_requests() {
  std::deque<std::string> batch;
  {
    std::lock_guard lock(outgoing_mutex);
    batch.swap(outgoing);
  }
  for (const auto& payload : batch) send(payload);
}

void StreamClient::Impl::send(const std::string& payload) {
  if (!viewer) return;
  zmq::message_t msg(payload.data(), payload.size());
  // DEALER blocks at its HWM; dontwait turns that into a dropped request.
  (void)viewer->dealer().send(msg, zmq::send_flags::dontwait);
}

void StreamClient::Impl::say_hello(Clock::time_point now) {
  send(hello_frame(/*want_stream=*/true));
  last_hello = now;
}

void StreamClient::Impl::reconnect(Clock::time_point now) {
  // The old socket closes before the new one connects: a server at its
  // cap of viewers (or an inproc DEALER, which would deal frames to both)
  // sees it leave first.
  viewer.reset();
  std::string error;
  // The endpoint and keys were accepted at start(), so this cannot fail
  // for them; if it does (out of descriptors), the thread runs without a
  // socket and tries again later.
  viewer = ViewerSocket::connect(*ctx, endpoint, security, error);
  if (!viewer) return retry.refused(now);
  say_hello(now);
}

std::chrono::milliseconds StreamClient::Impl::sleep_for(Clock::time_point now) const {
  if (wake_fd < 0) return kPollInterval;
  auto due = last_heartbeat + kHeartbeatInterval;
  // Heard lately: when silence would begin; silent: the next Hello.
  auto silence = last_heard + kSilenceTimeout + std::chrono::milliseconds(1);
  if (silence <= now) silence = last_hello + kSilenceTimeout + std::chrono::milliseconds(1);
  due = std::min(due, silence);
  if (auto retry_at = retry.due_at()) due = std::min(due, *retry_at);
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(due - now);
  return std::clamp(left, std::chrono::milliseconds(0), kLongestSleep);
}

void StreamClient::Impl::run() {
  say_hello(Clock::now());
  while (running.load()) {
    // Without a socket (a fresh one could not be made) only the wake fd.
    zmq::pollitem_t items[] = {{nullptr, wake_fd, ZMQ_POLLIN, 0},
                               {viewer ? viewer->dealer().handle() : nullptr, 0, ZMQ_POLLIN, 0},
                               {viewer ? viewer->monitor_socket().handle() : nullptr, 0, ZMQ_POLLIN, 0}};
    const int first = wake_fd >= 0 ? 0 : 1;
    const int polled = viewer ? 3 - first : 1 - first;
    if (polled > 0) zmq::poll(items + first, polled, sleep_for(Clock::now()));
    else std::this_thread::sleep_for(kPollInterval);
    if (wake_fd >= 0 && (items[0].revents & ZMQ_POLLIN)) {
      std::uint64_t count = 0;
      (void)!::read(wake_fd, &count, sizeof count);
    }
    const auto now = Clock::now();
    if (viewer && (items[2].revents & ZMQ_POLLIN)) {
      // Only a refusal is taken from the socket: a new socket knows none
      // yet, and the last one stays shown until a frame gets through.
      if (const std::string refused = viewer->refusal(); !refused.empty()) {
        retry.refused(now);
        std::lock_guard lock(mutex);
        stats.refused = refused;
      }
    }
    if (retry.take_due(now)) reconnect(now);
    bool changed = false;
    for (int i = 0; viewer && (items[1].revents & ZMQ_POLLIN) && i < 256; ++i) {
      zmq::message_t msg;
      if (!viewer->dealer().recv(msg, zmq::recv_flags::dontwait)) break;
      // Outside the lock: up to one bounded parse, into an arena (the frame
      // may be kept and handed on: bench/ingest's collector spent a fifth
      // of its CPU allocating and freeing rows one by one).
      auto decoded = rejects.decode_owned(msg.to_string_view());
      std::lock_guard lock(mutex);
      if (auto* env = std::get_if<protocol::OwnedEnvelope>(&decoded)) {
        ++stats.frames_received;
        changed |= handle(*env, now);
      } else {
        ++stats.frames_rejected;
        stats.rejects = rejects;
        stats.last_rejected_us = protocol::now_us();
      }
    }
    if (changed) {
      std::lock_guard lock(mutex);
      snapshot_stale = true;
    }
    send_requests();
    if (now - last_heartbeat >= kHeartbeatInterval) {
      Envelope hb;
      hb.mutable_heartbeat();
      send(protocol::encode(hb, "", 0));
      last_heartbeat = now;
    }
    if (now - last_heard > kSilenceTimeout) {
      on_silence();
      // A Hello again is enough for a server that restarted (libzmq
      // reconnected by itself) or that refused us and now has room. A dead
      // one behind a cut network, or a half-open or stuck connection, is
      // noticed by nothing else (no ZMTP PINGs: socket_presets.hpp), and
      // libzmq would keep that connection for good: unless a frame comes
      // first, a fresh socket (new connection, Hello, keyframe) once the
      // backoff allows (1 s, 2 s ... 30 s; from 1 s again once a frame
      // gets through), each given the silence limit to answer.
      if (now - last_hello > kSilenceTimeout) {
        say_hello(now);
        retry.refused(now);
      }
    }
  }
}

// Called with `mutex` held. Returns true when the model changed.
bool StreamClient::Impl::handle(const protocol::OwnedEnvelope& frame, Clock::time_point now) {
  Envelope& env = *frame;
  last_heard = now;
  silent_reported = false;
  if (env.has_refused()) {
    // The server closes us next (too many viewers, misbehaving): say why
    // until a frame gets through; libzmq reconnects by itself.
    stats.connected = false;
    stats.refused = refused_message(endpoint, env.refused());
    return false;
  }
  stats.connected = true;
  stats.refused.clear();  // a frame proves the server let us in
  retry.succeeded();
  stats.last_heard_us = protocol::now_us();
  if (env.has_node_gone()) {
    fleet.erase(env.node());
    if (on_gone) on_gone(env.node(), env.node_gone().reason());
    return true;
  }
  // Answers, and a node's history (after its keyframe, on a Hello).
  if (protocol::is_answer(env) || env.has_history()) {
    if (on_reply) on_reply(env);
    return false;
  }
  if (!env.has_keyframe() && !env.has_delta()) return false;
  const ApplyResult applied = fleet.apply_trimming(env);
  stats.cut = fleet.cut();
  switch (applied) {
    case ApplyResult::kApplied:
      if (on_frame) on_frame(frame);  // what was kept: readers downstream get the same state
      return true;
    case ApplyResult::kNeedKeyframe:
      ++stats.gaps;
      if (now - last_hello > kResyncBackoff) say_hello(now);
      return false;
    default:
      return false;
  }
}

void StreamClient::Impl::on_silence() {
  std::lock_guard lock(mutex);
  stats.connected = false;
  if (silent_reported) return;
  silent_reported = true;
  // Forget the nodes: the next frame we accept for them must be a keyframe.
  std::vector<std::string> nodes;
  for (const auto& [node, model] : fleet.nodes()) nodes.push_back(node);
  for (const auto& node : nodes) {
    fleet.erase(node);
    if (on_gone) on_gone(node, "no data from " + endpoint + " for 3 s");
  }
  snapshot_stale = true;
}

// Called with `mutex` held.
void StreamClient::Impl::refresh_snapshot() {
  std::vector<std::shared_ptr<const protocol::Keyframe>> next;
  next.reserve(fleet.size());
  for (const auto& [node, model] : fleet.nodes())
    if (model.has_state()) next.push_back(model.snapshot());
  snapshot.swap(next);
  snapshot_stale = false;
}

}  // namespace beamscope::transport
