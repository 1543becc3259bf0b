#include "stream_peers.hpp"

#include <sys/socket.h>

#include <algorithm>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/requests.hpp"
#include "stream_server_impl.hpp"

#include <zmq_addon.hpp>

namespace beamscope::transport {

const char* to_string(Rejection r) {
  switch (r) {
    case Rejection::kBadFrame: return "bad_frame";
    case Rejection::kTooLarge: return "too_large";
    case Rejection::kHelloRate: return "hello_rate";
    case Rejection::kTooManyViewers: return "too_many_viewers";
    case Rejection::kUnknownRequest: return "unknown_request";
    case Rejection::kSilent: return "silent";
    case Rejection::kSlowViewer: return "slow_viewer";
    case Rejection::kMisbehaving: return "misbehaving";
  }
  return "unknown";
}

namespace {
struct Held {
  std::string bytes;
  std::shared_ptr<std::atomic<std::uint64_t>> live;
};
void release(void*, void* hint) {
  auto* held = static_cast<Held*>(hint);
  held->live->fetch_sub(held->bytes.size(), std::memory_order_relaxed);
  delete held;
}
}  // namespace

zmq::message_t FramePool::make(std::string bytes) {
  auto* held = new Held{std::move(bytes), live_};
  live_->fetch_add(held->bytes.size(), std::memory_order_relaxed);
  // libzmq calls release() from whichever thread drops the last copy.
  return zmq::message_t(held->bytes.data(), held->bytes.size(), &release, held);
}

void CpuBound::update(PeerClock::time_point now, std::uint64_t total_ns) {
  if (!started_) {
    // What the threads used before the first look is not owed; a full
    // second's credit to start with.
    started_ = true;
    credit_us_ = rate_;
    at_ = now;
    charged_ns_ = total_ns;
    return;
  }
  const double elapsed_s = std::chrono::duration<double>(now - at_).count();
  at_ = now;
  const double spent_us = static_cast<double>(total_ns - std::min(total_ns, charged_ns_)) / 1000.0;
  charged_ns_ = std::max(charged_ns_, total_ns);
  // A debt of more than a second's worth is not carried: one expensive
  // answer delays the next ones by about a second at most.
  credit_us_ = std::max(-rate_, std::min(rate_, credit_us_ + elapsed_s * rate_) - spent_us);
}

std::chrono::microseconds CpuBound::until_allowed() const {
  if (allows()) return std::chrono::microseconds(0);
  // At least 100 ms: waking up to look costs CPU too (~0.1 ms on a busy
  // host), which must stay well below what the wait earns.
  const auto to_zero = static_cast<std::int64_t>((1.0 - credit_us_) / rate_ * 1e6) + 1;
  return std::chrono::microseconds(std::max<std::int64_t>(to_zero, 100000));
}

void shut_down_connection(int fd) {
  if (fd >= 0) (void)::shutdown(fd, SHUT_RDWR);
}

int source_fd(zmq::message_t& msg) {
  // ZMQ_SRCFD is deprecated but still served (from the "__fd" property)
  // by libzmq 4.3; it is the one link from a routing id to a connection.
  const int fd = zmq_msg_get(msg.handle(), ZMQ_SRCFD);
  return fd >= 0 ? fd : -1;
}

using namespace server_limits;

// Monitor events: failed handshakes (ZAP refusals are counted by the
// handler), accepted and closed connections.
void StreamServer::Impl::watch_connections() {
  const auto now = Clock::now();
  std::vector<HandshakeEvent> events;
  // Every queued event (bounded per call): a first message must find its
  // connection's record.
  for (int round = 0; round < 16; ++round) {
    auto more = monitor->drain();
    events.insert(events.end(), more.begin(), more.end());
    if (more.size() < 256) break;
  }
  for (const auto& e : events) {
    if (curve && (e.event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || e.event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)) {
      handshake_failed.fetch_add(1, std::memory_order_relaxed);
    } else if (e.event == ZMQ_EVENT_ACCEPTED) {
      // Events come in order, so a known descriptor was entered by admit(),
      // from a first message that overtook this event: keep it.
      if (connections.count(e.value)) continue;
      Connection c;
      c.accepted = now;
      if (served_connections >= opts.max_viewers) {
        c.over_cap = true;
        // Refused ones wait for their first message to be told why; past
        // this many waiting, new ones are closed at once.
        if (connections.size() - served_connections >= 4 * opts.max_viewers) {
          count(Rejection::kTooManyViewers);
          shut_down_connection(e.value);
          c.shut = now;
        }
      } else {
        ++served_connections;
      }
      connections[e.value] = std::move(c);
    } else if (e.event == ZMQ_EVENT_DISCONNECTED) {
      disconnects.fetch_add(1, std::memory_order_relaxed);
      forget_connection(e.value);
    } else if (!curve && (e.event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)) {
      count(Rejection::kBadFrame);  // not ZMTP at all
    }
  }
}

void StreamServer::Impl::forget_connection(int fd) {
  auto it = connections.find(fd);
  if (it == connections.end()) return;
  if (!it->second.over_cap) --served_connections;
  if (!it->second.identity.empty()) peers.erase(it->second.identity);
  connections.erase(it);
}

void StreamServer::Impl::handle_incoming() {
  // Bounded batch per wake-up so a flood of requests cannot starve publishing.
  const auto now = Clock::now();
  for (int i = 0; i < 256; ++i) {
    std::vector<zmq::message_t> parts;
    auto got = zmq::recv_multipart(router, std::back_inserter(parts), zmq::recv_flags::dontwait);
    if (!got) return;
    handle_message(parts, now);
  }
}

void StreamServer::Impl::handle_message(std::vector<zmq::message_t>& parts, Clock::time_point now) {
  if (parts.size() < 2) {
    count(Rejection::kBadFrame);
    return;
  }
  const std::string identity = parts[0].to_string();
  Peer* peer = admit(identity, parts[1], now);
  if (!peer) return;
  auto bad = [&](Rejection why) {
    count(why);
    if (++peer->bad_frames >= kMaxBadFrames) drop(identity, Rejection::kMisbehaving);
  };
  if (parts.size() != 2) return bad(Rejection::kBadFrame);
  if (parts[1].size() > kMaxRequestBytes) return bad(Rejection::kTooLarge);
  auto decoded = protocol::decode(parts[1].to_string_view());
  auto* env = std::get_if<Envelope>(&decoded);
  if (!env) return bad(Rejection::kBadFrame);
  peer->last_seen = now;
  if (env->has_hello()) {
    handle_hello(identity, *peer, env->hello().want_stream(), now);
  } else if (protocol::is_request(*env)) {
    // The key the ZAP handler authorized this connection with (CURVE only).
    std::string key;
    if (curve) {
      const char* user = zmq_msg_gets(parts[1].handle(), "User-Id");
      if (user) key = user;
    }
    handle_request(identity, key, *env);
  } else if (!env->has_heartbeat()) {
    bad(Rejection::kUnknownRequest);
  }
}

// The peer behind `identity`, created at its first message; nullptr when
// its connection is over the cap (it is told so and closed).
Peer* StreamServer::Impl::admit(const std::string& identity, zmq::message_t& body, Clock::time_point now) {
  if (auto it = peers.find(identity); it != peers.end()) return &it->second;
  const int fd = source_fd(body);
  const std::string full = "this server serves at most " + std::to_string(opts.max_viewers) +
                           " viewers at once; try again later";
  if (fd >= 0) {
    auto c = connections.find(fd);
    if (c == connections.end()) {
      // Its ACCEPTED event is still queued (a burst of events): enter it now.
      c = connections.emplace(fd, Connection{}).first;
      c->second.accepted = now;
      ++served_connections;
    }
    if (c->second.close_at || c->second.shut) return nullptr;  // refused already, closing
    if (c->second.over_cap) {
      refuse(identity, fd, Rejection::kTooManyViewers, full, now);
      return nullptr;
    }
    c->second.identity = identity;
  } else if (peers.size() >= opts.max_viewers) {
    refuse(identity, -1, Rejection::kTooManyViewers, full, now);
    return nullptr;
  }
  Peer p;
  p.fd = fd;
  p.last_seen = now;
  return &peers.emplace(identity, p).first->second;
}

void StreamServer::Impl::refuse(const std::string& identity, int fd, Rejection why, const std::string& text,
                                Clock::time_point now) {
  count(why);
  Envelope env;
  env.mutable_refused()->set_reason(to_string(why));
  env.mutable_refused()->set_message(text);
  send_to(identity, protocol::encode(env, "", 0));
  if (auto c = connections.find(fd); c != connections.end()) c->second.close_at = now + kRefuseGrace;
}

void StreamServer::Impl::drop(const std::string& identity, Rejection why) {
  auto it = peers.find(identity);
  if (it == peers.end()) return;
  count(why);
  // The connection record goes with its DISCONNECTED event.
  shut_down_connection(it->second.fd);
  peers.erase(it);
}

void StreamServer::Impl::heartbeat_and_expire(Clock::time_point now) {
  const auto timeout = std::chrono::milliseconds(opts.viewer_timeout_ms);
  const auto backpressure = std::chrono::milliseconds(opts.backpressure_ms);
  std::vector<std::pair<std::string, Rejection>> gone;
  for (const auto& [identity, peer] : peers) {
    // A peer whose Hello waits on us is not silent.
    if (now - peer.last_seen > timeout && !peer.hello_pending) gone.emplace_back(identity, Rejection::kSilent);
    else if (peer.full_since && now - *peer.full_since > backpressure)
      gone.emplace_back(identity, Rejection::kSlowViewer);
  }
  for (const auto& [identity, why] : gone) drop(identity, why);
  // Connections that never said anything valid.
  for (auto& [fd, c] : connections) {
    if (c.identity.empty() && !c.over_cap && !c.shut && now - c.accepted > timeout) {
      count(Rejection::kSilent);
      shut_down_connection(fd);
      c.shut = now;
    }
  }
  Envelope hb;
  hb.mutable_heartbeat();
  broadcast(frames.make(protocol::encode(hb, "", 0)));
}

// Refused connections: closed after their grace, or after kRefuseSilentAfter
// when they never sent the message that would have told them why. A shut
// connection whose DISCONNECTED event never came is forgotten after 10 s.
void StreamServer::Impl::close_due(Clock::time_point now) {
  std::vector<int> stuck;
  for (auto& [fd, c] : connections) {
    if (c.shut) {
      if (now - *c.shut > std::chrono::seconds(10)) stuck.push_back(fd);
    } else if (c.close_at && *c.close_at <= now) {
      shut_down_connection(fd);
      c.shut = now;
    } else if (c.over_cap && !c.close_at && now - c.accepted > kRefuseSilentAfter) {
      count(Rejection::kTooManyViewers);
      shut_down_connection(fd);
      c.shut = now;
    }
  }
  for (int fd : stuck) forget_connection(fd);
}

// When the next refused connection is to be closed or the next pending
// Hello can be answered (rate and CPU bound); nullopt: nothing waits.
std::optional<Clock::time_point> StreamServer::Impl::next_due(Clock::time_point now) const {
  std::optional<Clock::time_point> due;
  auto consider = [&](Clock::time_point t) { due = due ? std::min(*due, t) : t; };
  for (const auto& [fd, c] : connections) {
    if (!c.over_cap || c.shut) continue;
    consider(c.close_at ? *c.close_at : c.accepted + kRefuseSilentAfter);
  }
  const auto interval = std::chrono::milliseconds(opts.hello_interval_ms);
  const auto cpu = std::min(now + serve_bound->until_allowed(), last_floor_answer + kHelloFloorInterval);
  for (const auto& [id, p] : peers)
    if (p.hello_pending) consider(std::max(p.last_hello + interval, cpu));
  return due;
}

}  // namespace beamscope::transport
