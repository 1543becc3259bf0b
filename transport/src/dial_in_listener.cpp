// DialInListener (see dial_in_listener.hpp): one thread owns the ROUTER the
// agents dial, every agent's inproc DEALER, and the table between them.
#include "beamscope/transport/dial_in_listener.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/endpoint.hpp"
#include "beamscope/transport/socket_presets.hpp"
#include "handshake_monitor.hpp"
#include "router_security.hpp"
#include "stream_peers.hpp"

namespace beamscope::transport {

namespace {
using Clock = std::chrono::steady_clock;
// The silence check runs at least this often; without an eventfd, stop()
// waits for it too.
constexpr auto kLongestSleep = std::chrono::milliseconds(1000);
constexpr int kRouterBatch = 256;  // messages from the agents per wake-up
constexpr int kAgentBatch = 64;    // messages from one link per wake-up
// Messages queued inside libzmq per agent connection (each up to
// max_message_bytes) before libzmq stops reading it.
constexpr int kRecvHwm = 16;
// Frames queued towards one agent and towards one link (a keyframe burst).
constexpr int kSendHwm = 1000;
// An Announce is a few dozen bytes: larger first messages are not parsed.
constexpr std::size_t kAnnounceMaxBytes = 1024;
// A shut-down connection whose DISCONNECTED event never came is forgotten
// after this long (as the stream server does).
constexpr auto kForgetShutAfter = std::chrono::seconds(10);
}  // namespace

const char* to_string(DialInRejection r) {
  switch (r) {
    case DialInRejection::kNotAnnounced: return "not_announced";
    case DialInRejection::kTooManyAgents: return "too_many_agents";
    case DialInRejection::kBadFrame: return "bad_frame";
    case DialInRejection::kQueueFull: return "queue_full";
    case DialInRejection::kNoAnnounce: return "no_announce";
    case DialInRejection::kTooManyUnannounced: return "too_many_unannounced";
  }
  return "unknown";
}

struct DialInListener::Impl {
  struct Agent {
    std::string name;
    std::unique_ptr<zmq::socket_t> inproc;  // DEALER bound on inproc://beamscope-dialin-<n>
    Clock::time_point last_heard;
    int fd = -1;  // its latest connection's descriptor (-1: not known)
  };
  using Agents = std::unordered_map<std::string, Agent>;  // by ROUTER routing id
  // One accepted connection, from the socket monitor: the same mechanism
  // as the stream server's cap (stream_peers.cpp), shut down the same way.
  struct Connection {
    Clock::time_point accepted{};
    bool announced = false;  // an Announce let it in, or it carries a let-in agent's messages
    std::optional<Clock::time_point> shut;  // shut down then: its DISCONNECTED event is due
  };

  explicit Impl(const DialInOptions& o) : opts(o) {}
  ~Impl() {
    if (wake_fd >= 0) ::close(wake_fd);
  }

  DialInOptions opts;
  zmq::context_t ctx{1};
  zmq::socket_t router{ctx, zmq::socket_type::router};
  RouterSecurity security;
  std::unique_ptr<HandshakeMonitor> monitor;  // ACCEPTED and DISCONNECTED, with the descriptor
  std::unordered_map<int, Connection> connections;  // by descriptor
  Agents agents;
  std::uint64_t serial = 0;  // inproc endpoints are never reused
  std::thread thread;
  std::atomic<bool> running{false};
  int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

  std::atomic<std::uint64_t> agent_count{0}, agents_ever{0}, announces{0}, frames_in{0}, frames_out{0};
  std::atomic<std::uint64_t> auth_refused{0}, connection_count{0}, unannounced_count{0};
  std::array<std::atomic<std::uint64_t>, kDialInRejectionKinds> rejected{};

  void wake() {
    const std::uint64_t one = 1;
    if (wake_fd >= 0) (void)!::write(wake_fd, &one, sizeof one);
  }
  void count(DialInRejection r) { rejected[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed); }
  void run();
  std::chrono::milliseconds sleep_for(Clock::time_point now) const;
  void from_router(Clock::time_point now);
  bool admit(const std::string& id, zmq::message_t& first, int fd, Clock::time_point now);
  void watch_connections(Clock::time_point now);
  void mark_announced(int fd, Clock::time_point now);
  void shut(int fd, Connection& c, DialInRejection why, Clock::time_point now);
  void expire_connections(Clock::time_point now);
  void publish_connection_counts();
  std::string name_for(zmq::message_t& first) const;
  bool from_agent(const std::string& id, Agent& agent);
  void let_go(Agents::iterator it, const std::string& reason);
  void expire(Clock::time_point now);
};

namespace {
bool is_announce(const zmq::message_t& body) {
  if (body.size() > kAnnounceMaxBytes) return false;
  auto decoded = protocol::decode(body.to_string_view());
  const auto* env = std::get_if<protocol::Envelope>(&decoded);
  return env && env->has_announce();
}
}  // namespace

std::unique_ptr<DialInListener> DialInListener::start(const DialInOptions& opts, std::string& error) {
  if (auto err = check_endpoint(opts.endpoint, /*for_bind=*/true)) {
    error = *err;
    return nullptr;
  }
  if (opts.max_agents == 0 || opts.silence_ms <= 0 || opts.announce_timeout_ms <= 0 || opts.max_unannounced == 0) {
    error = "dial-in: max agents, max unannounced connections, the silence and announce timeouts must be at least 1";
    return nullptr;
  }
  auto impl = std::make_unique<Impl>(opts);
  try {
    // No PINGs (the libzmq 4.3.4 abort): agents send heartbeats every
    // second; one silent for silence_ms is let go. A gone agent is an error
    // to see (EHOSTUNREACH), not a silent drop.
    apply_router_presets(impl->router, kSendHwm, kRecvHwm, opts.max_message_bytes);
    // An agent keeps its routing id across reconnections (dial_out.cpp): a
    // new connection with it takes over from the old one, which may not be
    // known dead yet, so a network blip is no second agent.
    impl->router.set(zmq::sockopt::router_handover, 1);
    if (auto err = secure_router(impl->ctx, impl->router, opts.endpoint, opts.security, opts.on_warning, "agent",
                                 impl->security)) {
      error = *err;
      return nullptr;
    }
    // Every connection is seen (and held to a bound) from its accept on.
    impl->monitor =
        std::make_unique<HandshakeMonitor>(impl->ctx, impl->router, ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED);
    impl->router.bind(opts.endpoint);
  } catch (const zmq::error_t& e) {
    error = opts.endpoint + ": " + e.what();
    return nullptr;
  }
  std::unique_ptr<DialInListener> listener(new DialInListener(std::move(impl)));
  listener->bound_ = listener->impl_->router.get(zmq::sockopt::last_endpoint);
  listener->impl_->running = true;
  listener->impl_->thread = std::thread([raw = listener->impl_.get()] { raw->run(); });
  return listener;
}

DialInListener::DialInListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DialInListener::~DialInListener() {
  stop();
  impl_->ctx.close();  // waits for the links' sockets: they must be closed by now
}

void DialInListener::stop() {
  impl_->running = false;
  impl_->wake();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->agents.clear();
  impl_->agent_count = 0;
  impl_->router.close();
  impl_->monitor.reset();  // after its socket (as the stream server does)
  impl_->connections.clear();
  impl_->security.zap.reset();
}

zmq::context_t& DialInListener::context() { return impl_->ctx; }

DialInStats DialInListener::stats() const {
  DialInStats s;
  s.agents = impl_->agent_count.load();
  s.agents_ever = impl_->agents_ever.load();
  s.announces = impl_->announces.load();
  s.frames_in = impl_->frames_in.load();
  s.frames_out = impl_->frames_out.load();
  for (std::size_t i = 0; i < kDialInRejectionKinds; ++i) s.rejected[i] = impl_->rejected[i].load();
  s.auth_refused = impl_->auth_refused.load();
  s.connections = impl_->connection_count.load();
  s.unannounced = impl_->unannounced_count.load();
  s.curve = impl_->security.curve;
  return s;
}

std::chrono::milliseconds DialInListener::Impl::sleep_for(Clock::time_point now) const {
  auto due = now + kLongestSleep;
  const auto silence = std::chrono::milliseconds(opts.silence_ms);
  for (const auto& [id, agent] : agents) due = std::min(due, agent.last_heard + silence + std::chrono::milliseconds(1));
  const auto announce = std::chrono::milliseconds(opts.announce_timeout_ms);
  for (const auto& [fd, c] : connections)
    if (!c.announced && !c.shut) due = std::min(due, c.accepted + announce + std::chrono::milliseconds(1));
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(due - now);
  return std::clamp(left, std::chrono::milliseconds(0), kLongestSleep);
}

void DialInListener::Impl::run() {
  // Named for `top -H`.
  (void)::pthread_setname_np(::pthread_self(), "bs-dialin");
  while (running.load()) {
    // Sleeps until an agent or a link sends, stop() (wake_fd), a ZAP
    // request, or the next silence check.
    std::vector<zmq::pollitem_t> items{{router.handle(), 0, ZMQ_POLLIN, 0}};
    if (wake_fd >= 0) items.push_back({nullptr, wake_fd, ZMQ_POLLIN, 0});
    if (security.zap) items.push_back({security.zap->socket().handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({monitor->socket().handle(), 0, ZMQ_POLLIN, 0});
    const std::size_t first_agent = items.size();
    std::vector<std::string> ids;
    ids.reserve(agents.size());
    for (const auto& [id, agent] : agents) {
      items.push_back({agent.inproc->handle(), 0, ZMQ_POLLIN, 0});
      ids.push_back(id);
    }
    zmq::poll(items.data(), items.size(), sleep_for(Clock::now()));
    if (wake_fd >= 0 && (items[1].revents & ZMQ_POLLIN)) {
      std::uint64_t count = 0;
      (void)!::read(wake_fd, &count, sizeof count);
    }
    const auto now = Clock::now();
    if (security.zap) {
      security.zap->handle();
      auth_refused.store(security.zap->refused(), std::memory_order_relaxed);
      security.zap->maybe_reload(now);
    }
    // Before the agents' messages: a first message finds its connection's record.
    if (items[first_agent - 1].revents & ZMQ_POLLIN) watch_connections(now);
    if (items[0].revents & ZMQ_POLLIN) from_router(now);
    for (std::size_t k = 0; k < ids.size(); ++k) {
      if (!(items[first_agent + k].revents & ZMQ_POLLIN)) continue;
      auto it = agents.find(ids[k]);
      if (it != agents.end() && !from_agent(it->first, it->second)) let_go(it, "its connection closed");
    }
    expire(now);
    expire_connections(now);
    publish_connection_counts();
  }
}

// Agents' messages: [routing id, one frame].
void DialInListener::Impl::from_router(Clock::time_point now) {
  for (int i = 0; i < kRouterBatch; ++i) {
    zmq::message_t id;
    if (!router.recv(id, zmq::recv_flags::dontwait)) return;
    zmq::message_t body;
    // The parts of a message arrive together: the body is there.
    if (!id.more() || !router.recv(body, zmq::recv_flags::dontwait)) continue;
    const bool multipart = body.more();
    for (bool more = multipart; more;) {
      zmq::message_t rest;
      more = router.recv(rest, zmq::recv_flags::dontwait) && rest.more();
    }
    const std::string key = id.to_string();
    auto it = agents.find(key);
    const int fd = source_fd(body);
    if (multipart) {
      count(DialInRejection::kBadFrame);
      if (it != agents.end()) it->second.last_heard = now;
      continue;
    }
    if (it == agents.end()) {
      if (admit(key, body, fd, now)) mark_announced(fd, now);
      continue;
    }
    it->second.last_heard = now;
    // A reconnection (router_handover) carries the agent from now on.
    it->second.fd = fd;
    mark_announced(fd, now);
    if (is_announce(body)) {
      // "Say Hello": the link does, every 3 s of silence, by itself.
      announces.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (it->second.inproc->send(body, zmq::send_flags::dontwait)) {
      frames_in.fetch_add(1, std::memory_order_relaxed);
    } else {
      count(DialInRejection::kQueueFull);  // the link resyncs on the gap
    }
  }
}

// The first message of an unknown connection: an Announce lets it in
// (true). One not let in is closed once announce_timeout_ms is up.
bool DialInListener::Impl::admit(const std::string& id, zmq::message_t& first, int fd, Clock::time_point now) {
  auto refuse = [this](DialInRejection why) {
    count(why);
    return false;
  };
  if (first.size() > kAnnounceMaxBytes) return refuse(DialInRejection::kNotAnnounced);
  auto decoded = protocol::decode(first.to_string_view());
  const auto* env = std::get_if<protocol::Envelope>(&decoded);
  if (!env) return refuse(DialInRejection::kBadFrame);
  if (!env->has_announce()) return refuse(DialInRejection::kNotAnnounced);
  announces.fetch_add(1, std::memory_order_relaxed);
  if (agents.size() >= opts.max_agents) return refuse(DialInRejection::kTooManyAgents);
  const std::string endpoint = "inproc://beamscope-dialin-" + std::to_string(++serial);
  auto inproc = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::dealer);
  try {
    apply_presets(*inproc, {.send_hwm = kSendHwm, .recv_hwm = kSendHwm});
    inproc->bind(endpoint);
  } catch (const zmq::error_t& e) {
    if (opts.on_warning) opts.on_warning("dial-in: cannot bind " + endpoint + ": " + e.what());
    return false;
  }
  const std::string name = name_for(first);
  agents.emplace(id, Agent{name, std::move(inproc), now, fd});
  agent_count.store(agents.size(), std::memory_order_relaxed);
  agents_ever.fetch_add(1, std::memory_order_relaxed);
  if (opts.on_agent) opts.on_agent(name, endpoint, ctx);
  return true;
}

// "dial-in 10.0.0.5", or "dial-in 10.0.0.5 #7" while another agent of the
// same address is dialled in (the number is the agent's inproc serial).
std::string DialInListener::Impl::name_for(zmq::message_t& first) const {
  const char* peer = zmq_msg_gets(first.handle(), "Peer-Address");
  const std::string base = std::string("dial-in ") + (peer && *peer ? peer : "agent");
  const bool taken =
      std::any_of(agents.begin(), agents.end(), [&](const auto& entry) { return entry.second.name == base; });
  return taken ? base + " #" + std::to_string(serial) : base;
}

// A link's frames (Hello, heartbeats, requests) to its agent. False when
// the agent's connection is gone.
bool DialInListener::Impl::from_agent(const std::string& id, Agent& agent) {
  for (int i = 0; i < kAgentBatch; ++i) {
    zmq::message_t body;
    if (!agent.inproc->recv(body, zmq::recv_flags::dontwait)) return true;
    zmq::message_t to(id.data(), id.size());
    try {
      // router_mandatory: a full queue fails on the id frame, before any part is queued.
      if (!router.send(to, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
        count(DialInRejection::kQueueFull);
        continue;
      }
      (void)router.send(body, zmq::send_flags::dontwait);
      frames_out.fetch_add(1, std::memory_order_relaxed);
    } catch (const zmq::error_t& e) {
      if (e.num() == EHOSTUNREACH) return false;
      count(DialInRejection::kQueueFull);
    }
  }
  return true;
}

void DialInListener::Impl::let_go(Agents::iterator it, const std::string& reason) {
  const std::string name = it->second.name;
  agents.erase(it);  // closes the inproc end: the link hears nothing more
  agent_count.store(agents.size(), std::memory_order_relaxed);
  if (opts.on_agent_gone) opts.on_agent_gone(name, reason);
}

void DialInListener::Impl::expire(Clock::time_point now) {
  const auto silence = std::chrono::milliseconds(opts.silence_ms);
  for (auto it = agents.begin(); it != agents.end();) {
    auto next = std::next(it);
    if (now - it->second.last_heard >= silence) {
      // Its connection too: silent that long, it may be half-open; a live
      // agent dials again and announces.
      if (auto c = connections.find(it->second.fd); c != connections.end() && !c->second.shut) {
        shut_down_connection(c->first);
        c->second.shut = now;
      }
      const auto ms = opts.silence_ms;
      let_go(it, ms % 1000 == 0 ? "silent " + std::to_string(ms / 1000) + " s"
                                : "silent " + std::to_string(ms) + " ms");
    }
    it = next;
  }
}

}  // namespace beamscope::transport

namespace beamscope::transport {

// Accepted and closed connections, in order (bounded per call).
void DialInListener::Impl::watch_connections(Clock::time_point now) {
  for (int round = 0; round < 16; ++round) {
    const auto events = monitor->drain();
    for (const auto& e : events) {
      if (e.event == ZMQ_EVENT_DISCONNECTED) {
        connections.erase(e.value);
        continue;
      }
      if (e.event != ZMQ_EVENT_ACCEPTED || connections.count(e.value)) continue;  // known: its message overtook
      connections[e.value] = Connection{now};
      // Past the cap, the oldest waiting goes: a real agent announces at
      // once, so a crowd of silent ones cannot keep it out.
      std::size_t waiting = 0;
      auto oldest = connections.end();
      for (auto it = connections.begin(); it != connections.end(); ++it) {
        if (it->second.announced || it->second.shut) continue;
        ++waiting;
        if (oldest == connections.end() || it->second.accepted < oldest->second.accepted) oldest = it;
      }
      if (waiting > opts.max_unannounced) shut(oldest->first, oldest->second, DialInRejection::kTooManyUnannounced, now);
    }
    if (events.size() < 256) break;
  }
}

void DialInListener::Impl::mark_announced(int fd, Clock::time_point now) {
  if (fd < 0) return;  // inproc and the like: no descriptor to hold
  auto [it, added] = connections.try_emplace(fd, Connection{now});
  it->second.announced = true;
}

void DialInListener::Impl::shut(int fd, Connection& c, DialInRejection why, Clock::time_point now) {
  count(why);
  shut_down_connection(fd);  // libzmq sees the end of the stream and closes it
  c.shut = now;
}

void DialInListener::Impl::expire_connections(Clock::time_point now) {
  const auto announce = std::chrono::milliseconds(opts.announce_timeout_ms);
  for (auto it = connections.begin(); it != connections.end();) {
    auto& c = it->second;
    if (c.shut && now - *c.shut > kForgetShutAfter) {
      it = connections.erase(it);
      continue;
    }
    if (!c.announced && !c.shut && now - c.accepted >= announce) shut(it->first, c, DialInRejection::kNoAnnounce, now);
    ++it;
  }
}

void DialInListener::Impl::publish_connection_counts() {
  std::uint64_t open = 0, waiting = 0;
  for (const auto& [fd, c] : connections) {
    if (c.shut) continue;
    ++open;
    if (!c.announced) ++waiting;
  }
  connection_count.store(open, std::memory_order_relaxed);
  unannounced_count.store(waiting, std::memory_order_relaxed);
}

}  // namespace beamscope::transport
