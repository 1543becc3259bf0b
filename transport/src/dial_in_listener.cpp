// DialInListener (see dial_in_listener.hpp): one thread owns the ROUTER the
// agents dial, every agent's inproc DEALER, and the table between them.
#include "beamscope/transport/dial_in_listener.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/endpoint.hpp"
#include "beamscope/transport/socket_presets.hpp"
#include "router_security.hpp"

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
}  // namespace

const char* to_string(DialInRejection r) {
  switch (r) {
    case DialInRejection::kNotAnnounced: return "not_announced";
    case DialInRejection::kTooManyAgents: return "too_many_agents";
    case DialInRejection::kBadFrame: return "bad_frame";
    case DialInRejection::kQueueFull: return "queue_full";
  }
  return "unknown";
}

struct DialInListener::Impl {
  struct Agent {
    std::string name;
    std::unique_ptr<zmq::socket_t> inproc;  // DEALER bound on inproc://beamscope-dialin-<n>
    Clock::time_point last_heard;
  };
  using Agents = std::unordered_map<std::string, Agent>;  // by ROUTER routing id

  explicit Impl(const DialInOptions& o) : opts(o) {}
  ~Impl() {
    if (wake_fd >= 0) ::close(wake_fd);
  }

  DialInOptions opts;
  zmq::context_t ctx{1};
  zmq::socket_t router{ctx, zmq::socket_type::router};
  RouterSecurity security;
  Agents agents;
  std::uint64_t serial = 0;  // inproc endpoints are never reused
  std::thread thread;
  std::atomic<bool> running{false};
  int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

  std::atomic<std::uint64_t> agent_count{0}, agents_ever{0}, announces{0}, frames_in{0}, frames_out{0};
  std::atomic<std::uint64_t> auth_refused{0};
  std::array<std::atomic<std::uint64_t>, kDialInRejectionKinds> rejected{};

  void wake() {
    const std::uint64_t one = 1;
    if (wake_fd >= 0) (void)!::write(wake_fd, &one, sizeof one);
  }
  void count(DialInRejection r) { rejected[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed); }
  void run();
  std::chrono::milliseconds sleep_for(Clock::time_point now) const;
  void from_router(Clock::time_point now);
  void admit(const std::string& id, zmq::message_t& first, Clock::time_point now);
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
  if (opts.max_agents == 0 || opts.silence_ms <= 0) {
    error = "dial-in: max agents and the silence timeout must be at least 1";
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
  s.curve = impl_->security.curve;
  return s;
}

std::chrono::milliseconds DialInListener::Impl::sleep_for(Clock::time_point now) const {
  auto due = now + kLongestSleep;
  const auto silence = std::chrono::milliseconds(opts.silence_ms);
  for (const auto& [id, agent] : agents) due = std::min(due, agent.last_heard + silence + std::chrono::milliseconds(1));
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
    if (items[0].revents & ZMQ_POLLIN) from_router(now);
    for (std::size_t k = 0; k < ids.size(); ++k) {
      if (!(items[first_agent + k].revents & ZMQ_POLLIN)) continue;
      auto it = agents.find(ids[k]);
      if (it != agents.end() && !from_agent(it->first, it->second)) let_go(it, "its connection closed");
    }
    expire(now);
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
    if (multipart) {
      count(DialInRejection::kBadFrame);
      if (it != agents.end()) it->second.last_heard = now;
      continue;
    }
    if (it == agents.end()) {
      admit(key, body, now);
      continue;
    }
    it->second.last_heard = now;
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

// The first message of an unknown connection: an Announce lets it in.
void DialInListener::Impl::admit(const std::string& id, zmq::message_t& first, Clock::time_point now) {
  if (first.size() > kAnnounceMaxBytes) return count(DialInRejection::kNotAnnounced);
  auto decoded = protocol::decode(first.to_string_view());
  const auto* env = std::get_if<protocol::Envelope>(&decoded);
  if (!env) return count(DialInRejection::kBadFrame);
  if (!env->has_announce()) return count(DialInRejection::kNotAnnounced);
  announces.fetch_add(1, std::memory_order_relaxed);
  if (agents.size() >= opts.max_agents) return count(DialInRejection::kTooManyAgents);
  const std::string endpoint = "inproc://beamscope-dialin-" + std::to_string(++serial);
  auto inproc = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::dealer);
  try {
    apply_presets(*inproc, {.send_hwm = kSendHwm, .recv_hwm = kSendHwm});
    inproc->bind(endpoint);
  } catch (const zmq::error_t& e) {
    if (opts.on_warning) opts.on_warning("dial-in: cannot bind " + endpoint + ": " + e.what());
    return;
  }
  const std::string name = name_for(first);
  agents.emplace(id, Agent{name, std::move(inproc), now});
  agent_count.store(agents.size(), std::memory_order_relaxed);
  agents_ever.fetch_add(1, std::memory_order_relaxed);
  if (opts.on_agent) opts.on_agent(name, endpoint, ctx);
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
      const auto ms = opts.silence_ms;
      let_go(it, ms % 1000 == 0 ? "silent " + std::to_string(ms / 1000) + " s"
                                : "silent " + std::to_string(ms) + " ms");
    }
    it = next;
  }
}

}  // namespace beamscope::transport
