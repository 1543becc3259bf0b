// The serving side of the stream (see stream_server.hpp). One I/O thread owns
// the ROUTER socket and the FleetModel; producers only touch a bounded queue.
#include "beamscope/transport/stream_server.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <set>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "beamscope/protocol/version.hpp"
#include "beamscope/transport/endpoint.hpp"
#include "beamscope/transport/socket_presets.hpp"
#include "handshake_monitor.hpp"
#include "zap_handler.hpp"

namespace beamscope::transport {

using Clock = std::chrono::steady_clock;
using protocol::Envelope;

namespace {
// Without an eventfd the thread falls back to polling this often.
constexpr auto kPollInterval = std::chrono::milliseconds(10);
constexpr auto kHeartbeatInterval = std::chrono::milliseconds(1000);

std::uint64_t thread_cpu_ns() {
  timespec ts{};
  if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}
}  // namespace

struct StreamServer::Impl {
  StreamServerOptions opts;
  zmq::context_t ctx{1};
  zmq::socket_t router{ctx, zmq::socket_type::router};
  // CURVE only: the ZAP handler (authorized keys) and the router's
  // handshake monitor, both served by the I/O thread.
  std::unique_ptr<ZapHandler> zap;
  std::unique_ptr<HandshakeMonitor> handshakes;
  std::atomic<std::uint64_t> auth_refused{0}, handshake_failed{0};
  std::thread thread;
  std::atomic<bool> running{false};
  // publish() and stop() wake the poll through it, so an idle thread sleeps
  // until the next heartbeat instead of waking every few ms.
  int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  std::atomic<std::uint64_t> cpu_ns{0};  // the I/O thread's own CPU time

  std::mutex queue_mutex;
  std::deque<Envelope> queue;
  std::deque<std::pair<std::string, Envelope>> replies;  // (viewer, frame)

  struct Viewer {
    Clock::time_point last_seen;
  };
  std::map<std::string, Viewer> viewers;  // streaming viewers by ZeroMQ identity
  protocol::FleetModel fleet;             // what was published, for late joiners

  mutable std::mutex snapshot_mutex;
  std::vector<std::shared_ptr<const protocol::Keyframe>> snapshot;

  std::atomic<std::uint64_t> published{0}, sent{0}, dropped{0}, rejected{0}, requests{0};
  std::atomic<std::uint32_t> viewer_count{0};

  ~Impl() {
    if (wake_fd >= 0) ::close(wake_fd);
  }
  void wake() {
    const std::uint64_t one = 1;
    if (wake_fd >= 0) (void)!::write(wake_fd, &one, sizeof one);
  }
  std::chrono::milliseconds wait_until(Clock::time_point due) const;
  void run();
  void handle_incoming();
  void drain_queue();
  void send_to(const std::string& identity, const std::string& payload);
  void send_keyframes(const std::string& identity);
  void handle_request(const std::string& identity, const Envelope& env);
  void broadcast(const std::string& payload);
  void broadcast_keyframes();
  void heartbeat_and_expire(Clock::time_point now);
  void refresh_snapshot();
  std::optional<std::string> secure(const ServerSecurity& security);
  void count_handshakes();
};

// Before the bind: a CURVE server must never accept a plaintext handshake,
// and the ZAP handler must be there before the first viewer arrives.
std::optional<std::string> StreamServer::Impl::secure(const ServerSecurity& security) {
  if (auto err = check_bind_security(opts.endpoint, security)) return err;
  if (security.secret_key_file.empty()) {
    if (!security.authorized_keys_file.empty())
      return "an authorized keys file (" + security.authorized_keys_file + ") needs a secret key file too";
    return std::nullopt;
  }
  std::string secret;
  if (auto err = read_secret_key_file(security.secret_key_file, secret)) return err;
  if (!security.authorized_keys_file.empty()) {
    std::set<std::string> keys;
    if (auto err = read_authorized_keys_file(security.authorized_keys_file, keys)) return err;
    zap = std::make_unique<ZapHandler>(ctx, security.authorized_keys_file, std::move(keys), opts.on_warning);
  }
  router.set(zmq::sockopt::curve_server, 1);
  router.set(zmq::sockopt::curve_secretkey, secret);
  handshakes = std::make_unique<HandshakeMonitor>(ctx, router);
  return std::nullopt;
}

// ZAP refusals are counted by the handler; everything else that fails a
// handshake (a plaintext viewer, a wrong server key) is counted here.
void StreamServer::Impl::count_handshakes() {
  for (const auto& e : handshakes->drain())
    if (e.event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || e.event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
      handshake_failed.fetch_add(1, std::memory_order_relaxed);
}

std::unique_ptr<StreamServer> StreamServer::start(const StreamServerOptions& opts, std::string& error) {
  if (auto err = check_endpoint(opts.endpoint, /*for_bind=*/true)) {
    error = *err;
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  impl->opts = opts;
  impl->fleet = protocol::FleetModel(opts.model_limits);
  try {
    apply_presets(impl->router, SocketPresets{.send_hwm = opts.send_hwm});
    // Report unroutable/full peers instead of dropping silently: we count them.
    impl->router.set(zmq::sockopt::router_mandatory, 1);
    if (auto err = impl->secure(opts.security)) {
      error = *err;
      return nullptr;
    }
    impl->router.bind(opts.endpoint);
  } catch (const zmq::error_t& e) {
    error = opts.endpoint + ": " + e.what();
    return nullptr;
  }
  std::unique_ptr<StreamServer> server(new StreamServer(std::move(impl)));
  server->bound_ = server->impl_->router.get(zmq::sockopt::last_endpoint);
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
  impl_->router.close();
  impl_->handshakes.reset();
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

bool StreamServer::publish(Envelope env) {
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
  std::lock_guard lock(impl_->queue_mutex);
  // Control messages bypass the bound: they are rare and must not be lost.
  impl_->queue.push_back(std::move(env));
  impl_->wake();
}

StreamServerStats StreamServer::stats() const {
  StreamServerStats s;
  s.frames_published = impl_->published.load();
  s.frames_sent = impl_->sent.load();
  s.frames_dropped = impl_->dropped.load();
  s.frames_rejected = impl_->rejected.load();
  s.requests = impl_->requests.load();
  s.viewers = impl_->viewer_count.load();
  s.io_cpu_us = impl_->cpu_ns.load() / 1000;
  s.curve = impl_->handshakes != nullptr;
  s.auth_refused = impl_->auth_refused.load();
  s.handshake_failed = impl_->handshake_failed.load();
  return s;
}

std::vector<std::shared_ptr<const protocol::Keyframe>> StreamServer::snapshots() const {
  std::lock_guard lock(impl_->snapshot_mutex);
  return impl_->snapshot;
}

std::chrono::milliseconds StreamServer::Impl::wait_until(Clock::time_point due) const {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(due - Clock::now());
  const auto cap = wake_fd >= 0 ? kHeartbeatInterval : kPollInterval;
  return std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(cap));
}

void StreamServer::Impl::run() {
  auto last_keyframes = Clock::now();
  auto last_heartbeat = Clock::now();
  const auto keyframe_interval = std::chrono::milliseconds(opts.keyframe_interval_ms);
  while (running.load()) {
    // Sleeps until a request, a published frame (wake_fd) or the next
    // heartbeat or keyframe is due.
    std::vector<zmq::pollitem_t> items{{router.handle(), 0, ZMQ_POLLIN, 0}};
    if (wake_fd >= 0) items.push_back({nullptr, wake_fd, ZMQ_POLLIN, 0});
    if (zap) items.push_back({zap->socket().handle(), 0, ZMQ_POLLIN, 0});
    if (handshakes) items.push_back({handshakes->socket().handle(), 0, ZMQ_POLLIN, 0});
    zmq::poll(items.data(), items.size(),
              wait_until(std::min(last_heartbeat + kHeartbeatInterval, last_keyframes + keyframe_interval)));
    if (wake_fd >= 0 && (items[1].revents & ZMQ_POLLIN)) {
      std::uint64_t count = 0;
      (void)!::read(wake_fd, &count, sizeof count);
    }
    if (zap) {
      zap->handle();
      auth_refused.store(zap->refused(), std::memory_order_relaxed);
      zap->maybe_reload(Clock::now());
    }
    if (handshakes) count_handshakes();
    if (items[0].revents & ZMQ_POLLIN) handle_incoming();
    drain_queue();
    const auto now = Clock::now();
    if (now - last_keyframes >= keyframe_interval) {
      broadcast_keyframes();
      last_keyframes = now;
    }
    if (now - last_heartbeat >= kHeartbeatInterval) {
      heartbeat_and_expire(now);
      last_heartbeat = now;
    }
    cpu_ns.store(thread_cpu_ns(), std::memory_order_relaxed);
  }
}

void StreamServer::Impl::handle_incoming() {
  // Bounded batch per wake-up so a flood of requests cannot starve publishing.
  for (int i = 0; i < 256; ++i) {
    std::vector<zmq::message_t> parts;
    auto got = zmq::recv_multipart(router, std::back_inserter(parts), zmq::recv_flags::dontwait);
    if (!got) return;
    if (parts.size() != 2) {
      rejected.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    std::string identity = parts[0].to_string();
    auto decoded = protocol::decode(parts[1].to_string_view());
    auto* env = std::get_if<Envelope>(&decoded);
    if (!env) {
      rejected.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    auto it = viewers.find(identity);
    if (it != viewers.end()) it->second.last_seen = Clock::now();
    if (env->has_hello()) {
      if (env->hello().want_stream() && it == viewers.end()) viewers.emplace(identity, Viewer{Clock::now()});
      send_keyframes(identity);
    } else if (env->has_children_request()) {
      handle_request(identity, *env);
    }
  }
  viewer_count = static_cast<std::uint32_t>(viewers.size());
}

void StreamServer::Impl::handle_request(const std::string& identity, const Envelope& env) {
  requests.fetch_add(1, std::memory_order_relaxed);
  if (opts.on_request) {
    opts.on_request(identity, env);
    return;
  }
  Envelope answer;
  auto* page = answer.mutable_children_page();
  page->set_request_id(env.children_request().request_id());
  page->set_supervisor_id(env.children_request().supervisor_id());
  page->set_order(env.children_request().order());
  page->set_error("this server does not serve children pages");
  send_to(identity, protocol::encode(answer, env.node(), 0));
}

void StreamServer::Impl::drain_queue() {
  std::deque<Envelope> batch;
  std::deque<std::pair<std::string, Envelope>> answers;
  {
    std::lock_guard lock(queue_mutex);
    batch.swap(queue);
    answers.swap(replies);
  }
  // Stamped here (version, timestamp): repliers only fill in node and body.
  for (auto& [viewer, env] : answers) send_to(viewer, protocol::encode(env, env.node(), env.seq()));
  if (batch.empty()) return;
  for (auto& env : batch) {
    if (env.has_node_gone()) {
      fleet.erase(env.node());
    } else if (fleet.apply(env) != protocol::ApplyResult::kApplied) {
      // A producer gap: viewers would resync anyway; the next keyframe heals it.
      continue;
    }
    broadcast(protocol::encode(env));
  }
  refresh_snapshot();
}

void StreamServer::Impl::send_to(const std::string& identity, const std::string& payload) {
  try {
    zmq::message_t id(identity.data(), identity.size());
    zmq::message_t body(payload.data(), payload.size());
    if (!router.send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait) ||
        !router.send(body, zmq::send_flags::dontwait)) {
      dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    sent.fetch_add(1, std::memory_order_relaxed);
  } catch (const zmq::error_t&) {
    // EHOSTUNREACH: the viewer left; its entry expires on its own.
    dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

void StreamServer::Impl::send_keyframes(const std::string& identity) {
  std::uint32_t count = 0;
  for (const auto& [node, model] : fleet.nodes()) {
    if (!model.has_state()) continue;
    Envelope env;
    env.set_version_major(protocol::kVersionMajor);
    env.set_version_minor(protocol::kVersionMinor);
    env.set_node(node);
    env.set_seq(model.seq());
    env.set_timestamp_us(model.updated_us());
    *env.mutable_keyframe() = *model.snapshot();
    send_to(identity, protocol::encode(env));
    ++count;
  }
  Envelope done;
  done.mutable_snapshot_done()->set_nodes(count);
  send_to(identity, protocol::encode(done, "", 0));
}

void StreamServer::Impl::broadcast(const std::string& payload) {
  for (const auto& [identity, viewer] : viewers) send_to(identity, payload);
}

void StreamServer::Impl::broadcast_keyframes() {
  for (const auto& [identity, viewer] : viewers) send_keyframes(identity);
}

void StreamServer::Impl::heartbeat_and_expire(Clock::time_point now) {
  const auto timeout = std::chrono::milliseconds(opts.viewer_timeout_ms);
  for (auto it = viewers.begin(); it != viewers.end();) {
    if (now - it->second.last_seen > timeout) it = viewers.erase(it);
    else ++it;
  }
  viewer_count = static_cast<std::uint32_t>(viewers.size());
  Envelope hb;
  hb.mutable_heartbeat();
  broadcast(protocol::encode(hb, "", 0));
}

void StreamServer::Impl::refresh_snapshot() {
  std::vector<std::shared_ptr<const protocol::Keyframe>> next;
  next.reserve(fleet.size());
  for (const auto& [node, model] : fleet.nodes())
    if (model.has_state()) next.push_back(model.snapshot());
  std::lock_guard lock(snapshot_mutex);
  snapshot.swap(next);
}

}  // namespace beamscope::transport
