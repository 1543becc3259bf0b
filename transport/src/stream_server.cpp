// The serving side of the stream (see stream_server.hpp). One I/O thread owns
// the ROUTER socket, the FleetModel and the peer table; producers only touch
// a bounded queue.
#include <algorithm>
#include <pthread.h>
#include <unistd.h>

#include <zmq_addon.hpp>

#include "beamscope/protocol/requests.hpp"
#include "beamscope/protocol/version.hpp"
#include "beamscope/transport/endpoint.hpp"
#include "beamscope/transport/socket_presets.hpp"
#include "router_security.hpp"
#include "stream_server_impl.hpp"

namespace beamscope::transport {

using namespace server_limits;

// The dial-out bridges' way in: inproc names are per context, one server each.
constexpr const char* kDialOutInproc = "inproc://beamscope-stream-dial-out";

// Before the bind (router_security.hpp). A server that only dials out binds
// nothing other machines reach: the bind rule sees its inproc endpoint.
std::optional<std::string> StreamServer::Impl::secure(const ServerSecurity& security) {
  const std::string bound = opts.endpoint.empty() ? std::string(kDialOutInproc) : opts.endpoint;
  RouterSecurity rs;
  if (auto err = secure_router(ctx, router, bound, security, opts.on_warning, "viewer", rs)) return err;
  zap = std::move(rs.zap);
  curve = rs.curve;
  return std::nullopt;
}

std::unique_ptr<StreamServer> StreamServer::start(const StreamServerOptions& opts, std::string& error) {
  if (opts.endpoint.empty() && opts.dial_out.empty()) {
    error = "no endpoint to serve and no collector to dial: nothing could reach the stream";
    return nullptr;
  }
  if (!opts.endpoint.empty()) {
    if (auto err = check_endpoint(opts.endpoint, /*for_bind=*/true)) {
      error = *err;
      return nullptr;
    }
  }
  for (const auto& target : opts.dial_out) {
    if (auto err = check_endpoint(target.endpoint, /*for_bind=*/false)) {
      error = *err;
      return nullptr;
    }
  }
  if (opts.max_viewers == 0) {
    error = "max viewers must be at least 1";
    return nullptr;
  }
  auto impl = std::make_unique<Impl>(opts);
  impl->fleet = protocol::FleetModel(opts.model_limits);
  impl->serve_bound.emplace(opts.serve_cpu_us_per_s);
  try {
    // No PINGs (the libzmq 4.3.4 abort): viewers send heartbeats of their
    // own, and a peer silent for viewer_timeout_ms is closed.
    apply_router_presets(impl->router, opts.send_hwm, kRecvHwm, opts.max_message_bytes);
    if (auto err = impl->secure(opts.security)) {
      error = *err;
      return nullptr;
    }
    impl->monitor = std::make_unique<HandshakeMonitor>(impl->ctx, impl->router, kMonitorEvents);
    if (!opts.dial_out.empty()) impl->router.bind(kDialOutInproc);
    if (!opts.endpoint.empty()) impl->router.bind(opts.endpoint);
  } catch (const zmq::error_t& e) {
    error = (opts.endpoint.empty() ? std::string(kDialOutInproc) : opts.endpoint) + ": " + e.what();
    return nullptr;
  }
  for (const auto& target : opts.dial_out) {
    auto d = DialOut::start(impl->ctx, target, kDialOutInproc, error);
    if (!d) return nullptr;
    impl->dial_out_states.push_back(d->state());
    impl->dial_outs.push_back(std::move(d));
  }
  std::unique_ptr<StreamServer> server(new StreamServer(std::move(impl)));
  if (!opts.endpoint.empty()) server->bound_ = server->impl_->router.get(zmq::sockopt::last_endpoint);
  server->impl_->running = true;
  server->impl_->thread = std::thread([raw = server->impl_.get()] { raw->run(); });
  return server;
}

StreamServer::StreamServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StreamServer::~StreamServer() { stop(); }

void StreamServer::stop() {
  if (!impl_) return;
  impl_->running = false;
  impl_->wake();
  if (impl_->thread.joinable()) impl_->thread.join();
  {
    // What the thread applied last stays readable after it stopped.
    std::lock_guard lock(impl_->snapshot_mutex);
    if (impl_->snapshot_stale) impl_->refresh_snapshot();
  }
  impl_->snapshot_made.notify_all();
  impl_->keyframe_cache.clear();
  impl_->dial_outs.clear();  // their sockets close before the context does
  impl_->router.close();
  impl_->monitor.reset();
  impl_->zap.reset();
  impl_->ctx.close();
}

bool StreamServer::reply(const std::string& viewer, Envelope env) {
  bool accepted = false;
  {
    std::lock_guard lock(impl_->queue_mutex);
    if (impl_->replies.size() < impl_->opts.queue_limit) {
      impl_->replies.emplace_back(viewer, std::move(env));
      accepted = true;
    }
  }
  if (accepted) {
    impl_->wake();  // the viewer waits: do not leave it to the next heartbeat
    return true;
  }
  impl_->dropped.fetch_add(1, std::memory_order_relaxed);
  return false;
}

bool StreamServer::publish(Envelope env) { return publish(std::make_shared<const Envelope>(std::move(env))); }

bool StreamServer::publish(protocol::SharedEnvelope env) {
  bool queued = false;
  {
    std::lock_guard lock(impl_->queue_mutex);
    if (impl_->queue.size() < impl_->opts.queue_limit) {
      queued = true;
      impl_->queue.push_back(std::move(env));
      impl_->published.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (queued) {
    impl_->wake();
    return true;
  }
  impl_->dropped.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void StreamServer::node_gone(const std::string& node, const std::string& reason) {
  Envelope env;
  env.set_version_major(protocol::kVersionMajor);
  env.set_version_minor(protocol::kVersionMinor);
  env.set_node(node);
  env.set_timestamp_us(protocol::now_us());
  env.mutable_node_gone()->set_reason(reason);
  auto shared = std::make_shared<const Envelope>(std::move(env));
  std::lock_guard lock(impl_->queue_mutex);
  // Control messages bypass the bound: they are rare and must not be lost.
  impl_->queue.push_back(std::move(shared));
  impl_->wake();
}

StreamServerStats StreamServer::stats() const {
  StreamServerStats s;
  s.frames_published = impl_->published.load();
  s.frames_sent = impl_->sent.load();
  s.frames_dropped = impl_->dropped.load();
  s.requests = impl_->requests.load();
  s.viewers = impl_->viewer_count.load();
  s.connections = impl_->connection_count.load();
  s.disconnects = impl_->disconnects.load();
  for (std::size_t i = 0; i < kRejectionKinds; ++i) s.rejected[i] = impl_->rejected[i].load();
  s.frames_rejected = s.rejected[static_cast<std::size_t>(Rejection::kBadFrame)];
  s.hellos_answered = impl_->hellos_answered.load();
  s.hellos_deferred = impl_->hellos_deferred.load();
  s.keyframe_encodes = impl_->keyframe_encodes.load();
  s.histories_sent = impl_->histories_sent.load();
  s.viewer_pinned_bytes = impl_->frames.live_bytes();
  s.io_cpu_us = (impl_->cpu_ns.load() + impl_->zmq_cpu_ns.load()) / 1000;
  s.zmq_cpu_us = impl_->zmq_cpu_ns.load() / 1000;
  s.curve = impl_->curve;
  s.auth_refused = impl_->auth_refused.load();
  s.handshake_failed = impl_->handshake_failed.load();
  {
    std::lock_guard lock(impl_->dial_out_mutex);
    s.dial_out = impl_->dial_out_states;
  }
  return s;
}

std::vector<std::shared_ptr<const protocol::Keyframe>> StreamServer::snapshots() const {
  std::unique_lock lock(impl_->snapshot_mutex);
  if (impl_->snapshot_stale && impl_->running.load()) {
    // Made by the I/O thread (allocated in its malloc arena, where the
    // models free it: made here, each /metrics worker grew an arena of its
    // own, 2.6 MB a scrape in integration_collector_caps). A thread busy
    // over a second leaves the list of its last asking.
    impl_->snapshot_wanted = true;
    impl_->wake();
    impl_->snapshot_made.wait_for(lock, std::chrono::seconds(1), [this] {
      return !impl_->snapshot_stale || !impl_->running.load();
    });
  }
  return impl_->snapshot;
}

std::chrono::milliseconds StreamServer::Impl::wait_until(Clock::time_point due) const {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(due - Clock::now());
  const auto cap = std::chrono::milliseconds(wake_fd >= 0 ? kHeartbeatInterval : kPollInterval);
  return std::clamp(left, std::chrono::milliseconds(0), cap);
}

void StreamServer::Impl::run() {
  // Named for `top -H` and the thread-priority test.
  (void)::pthread_setname_np(::pthread_self(), "bs-stream");
  (void)lower_priority(static_cast<pid_t>(::gettid()), opts.thread_nice);
  auto last_keyframes = Clock::now();
  auto last_heartbeat = Clock::now();
  const auto keyframe_interval = std::chrono::milliseconds(opts.keyframe_interval_ms);
  while (running.load()) {
    // Sleeps until a request, a published frame (wake_fd), a monitor event,
    // or the next heartbeat, keyframe or pending Hello is due.
    std::vector<zmq::pollitem_t> items{{router.handle(), 0, ZMQ_POLLIN, 0},
                                       {monitor->socket().handle(), 0, ZMQ_POLLIN, 0}};
    if (wake_fd >= 0) items.push_back({nullptr, wake_fd, ZMQ_POLLIN, 0});
    if (zap) items.push_back({zap->socket().handle(), 0, ZMQ_POLLIN, 0});
    const std::size_t dial_out_items = items.size();
    for (auto& d : dial_outs) d->add_poll_items(items);
    auto due = std::min(last_heartbeat + kHeartbeatInterval, last_keyframes + keyframe_interval);
    if (auto pending = next_due(Clock::now())) due = std::min(due, *pending);
    zmq::poll(items.data(), items.size(), wait_until(due));
    if (wake_fd >= 0 && (items[2].revents & ZMQ_POLLIN)) {
      std::uint64_t count = 0;
      (void)!::read(wake_fd, &count, sizeof count);
    }
    if (zap) {
      zap->handle();
      auth_refused.store(zap->refused(), std::memory_order_relaxed);
      zap->maybe_reload(Clock::now());
    }
    // Connections first, so a new peer's first message finds its record.
    watch_connections();
    // Collectors' messages reach the ROUTER over inproc, read just below.
    const bool relayed = pump_dial_outs(items, dial_out_items);
    if ((items[0].revents & ZMQ_POLLIN) || relayed) handle_incoming();
    drain_queue();
    make_wanted_snapshot();
    auto now = Clock::now();
    account_cpu(now);
    serve_pending(now);
    close_due(now);
    if (now - last_keyframes >= keyframe_interval) {
      broadcast_keyframes();
      last_keyframes = now;
    }
    if (now - last_heartbeat >= kHeartbeatInterval) {
      heartbeat_and_expire(now);
      last_heartbeat = now;
    }
    viewer_count = streaming_viewers();
    connection_count = static_cast<std::uint32_t>(connections.size());
  }
}

void StreamServer::Impl::handle_hello(const std::string& identity, Peer& peer, bool want_stream,
                                      Clock::time_point now) {
  peer.want_stream |= want_stream;
  const auto interval = std::chrono::milliseconds(opts.hello_interval_ms);
  if (peer.last_hello != Clock::time_point{} && now - peer.last_hello < interval) {
    // Answered once, when its interval is over: a resync is never lost.
    count(Rejection::kHelloRate);
    defer_hello(peer, now);
    return;
  }
  if (!serve_bound->allows()) {
    hellos_deferred.fetch_add(1, std::memory_order_relaxed);
    defer_hello(peer, now);
    return;
  }
  answer_hello(identity, peer, now);
}

void StreamServer::Impl::defer_hello(Peer& peer, Clock::time_point now) {
  if (!peer.hello_pending) peer.pending_since = now;
  peer.hello_pending = true;
}

std::vector<protocol::NodeState> StreamServer::Impl::states() {
  std::lock_guard lock(snapshot_mutex);  // snapshots() may be making the models' too
  return fleet.states();
}

// Every node's keyframe from the cache (encoded at most once per change),
// then SnapshotDone.
void StreamServer::Impl::send_keyframes(const std::string& identity, const std::vector<protocol::NodeState>& nodes,
                                        bool with_history) {
  for (const auto& state : nodes) {
    auto cached = keyframe_cache.find(state.node);
    if (cached == keyframe_cache.end() || stale.count(state.node)) {
      cached = keyframe_cache.insert_or_assign(state.node, frames.make(protocol::encode(state.envelope()))).first;
      stale.erase(state.node);
      keyframe_encodes.fetch_add(1, std::memory_order_relaxed);
    }
    send_to(identity, cached->second);
    if (!with_history || !opts.history_for) continue;
    if (auto history = opts.history_for(state.node)) {
      send_to(identity, protocol::encode(*history, state.node, 0));
      histories_sent.fetch_add(1, std::memory_order_relaxed);
    }
  }
  Envelope done;
  done.mutable_snapshot_done()->set_nodes(static_cast<std::uint32_t>(nodes.size()));
  send_to(identity, protocol::encode(done, "", 0));
}

void StreamServer::Impl::answer_hello(const std::string& identity, Peer& peer, Clock::time_point now) {
  send_keyframes(identity, states(), /*with_history=*/peer.want_stream);
  hellos_answered.fetch_add(1, std::memory_order_relaxed);
  peer.last_hello = now;
  peer.hello_pending = false;
  if (peer.want_stream) peer.streaming = true;
  peer.want_stream = false;
  // Charged now, not at the next loop: a burst of Hellos stops at the bound.
  account_cpu(now);
}

// Pending Hellos, the longest waiting first, while the CPU bound allows,
// and one every kHelloFloorInterval whatever the bound says.
void StreamServer::Impl::serve_pending(Clock::time_point now) {
  const auto interval = std::chrono::milliseconds(opts.hello_interval_ms);
  std::vector<std::pair<Clock::time_point, std::string>> due;
  for (const auto& [id, p] : peers)
    if (p.hello_pending && now - p.last_hello >= interval) due.emplace_back(p.pending_since, id);
  std::sort(due.begin(), due.end());
  for (const auto& [when, id] : due) {
    if (!serve_bound->allows()) {
      if (now - last_floor_answer < kHelloFloorInterval) return;
      last_floor_answer = now;
    }
    auto it = peers.find(id);
    if (it != peers.end()) answer_hello(id, it->second, now);
  }
}

// The collectors dialled: relays both ways, then their states for stats().
bool StreamServer::Impl::pump_dial_outs(const std::vector<zmq::pollitem_t>& items, std::size_t first) {
  if (dial_outs.empty()) return false;
  const auto now = Clock::now();
  bool relayed = false;
  std::vector<DialOutState> states;
  for (std::size_t i = 0; i < dial_outs.size(); ++i) {
    relayed |= dial_outs[i]->pump(&items[first + i * DialOut::kPollItems], now, opts.on_warning);
    states.push_back(dial_outs[i]->state());
  }
  std::lock_guard lock(dial_out_mutex);
  dial_out_states = std::move(states);
  return relayed;
}

// The server's threads' CPU time (its own and libzmq's): the stats, and
// the bound on answering Hellos.
void StreamServer::Impl::account_cpu(Clock::time_point now) {
  const std::uint64_t own = own_thread_cpu_ns();
  const std::uint64_t lib = zmq_threads.cpu_ns();
  cpu_ns.store(own, std::memory_order_relaxed);
  zmq_cpu_ns.store(lib, std::memory_order_relaxed);
  serve_bound->update(now, own + lib);
}

void StreamServer::Impl::handle_request(const std::string& identity, const std::string& key, const Envelope& env) {
  requests.fetch_add(1, std::memory_order_relaxed);
  if (opts.on_keyed_request) {
    opts.on_keyed_request(identity, key, env);
    return;
  }
  if (opts.on_request) {
    opts.on_request(identity, env);
    return;
  }
  Envelope answer = protocol::error_answer(env, "this server does not serve " + protocol::describe_request(env));
  send_to(identity, protocol::encode(answer, env.node(), 0));
}

void StreamServer::Impl::drain_queue() {
  std::deque<protocol::SharedEnvelope> batch;
  std::deque<std::pair<std::string, Envelope>> answers;
  {
    std::lock_guard lock(queue_mutex);
    batch.swap(queue);
    answers.swap(replies);
  }
  // Stamped here (version, timestamp): repliers only fill in node and body.
  for (auto& [viewer, env] : answers) send_to(viewer, protocol::encode(env, env.node(), env.seq()));
  if (batch.empty()) return;
  const bool watched = streaming_viewers() > 0;
  for (const auto& shared : batch) {
    const Envelope& env = *shared;
    {
      std::lock_guard lock(snapshot_mutex);  // snapshots() reads the fleet
      if (env.has_node_gone()) {
        fleet.erase(env.node());
        keyframe_cache.erase(env.node());
      } else if (fleet.apply(env) != protocol::ApplyResult::kApplied) {
        // A producer gap: viewers would resync anyway; the next keyframe heals it.
        continue;
      }
      snapshot_stale = true;
    }
    stale.insert(env.node());
    // Encoded only for someone: a collector or agent nobody watches would
    // spend a serialization a frame on nothing (bench/ingest).
    if (watched) broadcast(frames.make(protocol::encode(env)));
  }
}

// Sends a copy of `shared` (its bytes are shared, not copied). False when
// the viewer's queue is full or the viewer is gone.
bool StreamServer::Impl::send_to(const std::string& identity, zmq::message_t& shared) {
  try {
    zmq::message_t id(identity.data(), identity.size());
    zmq::message_t body;
    body.copy(shared);
    if (!router.send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait) ||
        !router.send(body, zmq::send_flags::dontwait)) {
      dropped.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    sent.fetch_add(1, std::memory_order_relaxed);
    return true;
  } catch (const zmq::error_t&) {
    // EHOSTUNREACH: the viewer left; its entry goes with its connection.
    dropped.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
}

void StreamServer::Impl::send_to(const std::string& identity, const std::string& payload) {
  zmq::message_t msg(payload.data(), payload.size());
  send_to(identity, msg);
}

void StreamServer::Impl::broadcast(zmq::message_t shared) {
  const auto now = Clock::now();
  for (auto& [identity, peer] : peers) {
    if (!peer.streaming) continue;
    if (send_to(identity, shared)) peer.full_since.reset();
    else if (!peer.full_since) peer.full_since = now;
  }
}

std::uint32_t StreamServer::Impl::streaming_viewers() const {
  return static_cast<std::uint32_t>(
      std::count_if(peers.begin(), peers.end(), [](const auto& entry) { return entry.second.streaming; }));
}

void StreamServer::Impl::broadcast_keyframes() {
  if (streaming_viewers() == 0) return;
  const auto nodes = states();
  for (const auto& [identity, peer] : peers)
    if (peer.streaming) send_keyframes(identity, nodes);
}

void StreamServer::Impl::make_wanted_snapshot() {
  {
    std::lock_guard lock(snapshot_mutex);
    if (!snapshot_wanted) return;
    if (snapshot_stale) refresh_snapshot();
    snapshot_wanted = false;
  }
  snapshot_made.notify_all();
}

// Called with snapshot_mutex held.
void StreamServer::Impl::refresh_snapshot() {
  std::vector<std::shared_ptr<const protocol::Keyframe>> next;
  for (auto& state : fleet.states()) next.push_back(std::move(state.keyframe));
  snapshot.swap(next);
  snapshot_stale = false;
}

}  // namespace beamscope::transport
