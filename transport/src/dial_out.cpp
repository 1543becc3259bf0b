// A collector the stream server dials (see dial_out.hpp).
#include "dial_out.hpp"

#include <random>

#include "beamscope/build_version.hpp"
#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/socket_presets.hpp"

namespace beamscope::transport {
namespace {

constexpr int kBatch = 256;  // messages relayed each way per wake-up
constexpr auto kWarningInterval = std::chrono::seconds(60);

// The collector sends requests only (well under the server's 64 KiB), and
// no ZMTP PINGs: libzmq 4.3.4 aborts the process on a PING timer of a
// connection that failed with a full inbound queue (stream_server.cpp).
SocketPresets out_presets(const DialOutTarget& target) {
  return SocketPresets{.send_hwm = 1000,
                       .recv_hwm = 100,
                       .heartbeat_ivl_ms = 0,
                       .heartbeat_timeout_ms = 0,
                       .max_message_bytes = target.max_message_bytes};
}

std::string announce_frame() {
  protocol::Envelope env;
  env.mutable_announce()->set_agent_version(BEAMSCOPE_VERSION);
  return protocol::encode(env, "", 0);
}

}  // namespace

DialOut::DialOut(zmq::context_t& ctx, DialOutTarget target, std::string server_inproc)
    : ctx_(ctx), target_(std::move(target)), server_inproc_(std::move(server_inproc)), in_(ctx, zmq::socket_type::dealer) {
  state_.endpoint = target_.endpoint;
  // 16 random bytes, not 0-led (libzmq reserves ids starting with a 0 byte).
  std::random_device rd;
  for (int i = 0; i < 16; ++i) routing_id_.push_back(static_cast<char>(1 + rd() % 255));
}

std::unique_ptr<DialOut> DialOut::start(zmq::context_t& ctx, const DialOutTarget& target,
                                        const std::string& server_inproc, std::string& error) {
  std::unique_ptr<DialOut> d(new DialOut(ctx, target, server_inproc));
  try {
    apply_presets(d->in_);
    d->in_.connect(server_inproc);
  } catch (const zmq::error_t& e) {
    error = server_inproc + ": " + e.what();
    return nullptr;
  }
  if (!d->connect_out(error)) return nullptr;
  return d;
}

bool DialOut::connect_out(std::string& error) {
  auto tune = [this](zmq::socket_t& s) {
    // Frames are queued to a connection that completed its handshake only:
    // a restarted collector must not get the old one's backlog before the
    // Announce. A collector that is down is retried every 5 s at most.
    s.set(zmq::sockopt::immediate, 1);
    s.set(zmq::sockopt::reconnect_ivl_max, 5000);
    // The same id on every connection: the collector's listener (handover)
    // sees a reconnection as the agent it follows, not a second one.
    s.set(zmq::sockopt::routing_id, zmq::buffer(routing_id_));
  };
  auto fresh = ViewerSocket::connect(ctx_, target_.endpoint, target_.security, error, out_presets(target_), tune);
  if (!fresh) return false;
  out_ = std::move(fresh);
  handshaken_ = false;
  handshakes_seen_ = 0;  // a fresh socket counts from 0
  announce_owed_ = false;
  ++state_.sockets;
  return true;
}

void DialOut::add_poll_items(std::vector<zmq::pollitem_t>& items) {
  items.push_back({out_->dealer().handle(), 0, ZMQ_POLLIN, 0});
  items.push_back({out_->monitor_socket().handle(), 0, ZMQ_POLLIN, 0});
  items.push_back({in_.handle(), 0, ZMQ_POLLIN, 0});
}

bool DialOut::pump(const zmq::pollitem_t* items, Clock::time_point now,
                   const std::function<void(const std::string&)>& warn) {
  if (items[1].revents & ZMQ_POLLIN) {
    const std::string& refused = out_->refusal();
    if (!refused.empty()) {
      retry_.refused(now);
      if (refused != refusal_ || now - last_warning_ >= kWarningInterval) {
        if (warn) warn("collector_endpoints " + refused);
        last_warning_ = now;
      }
      refusal_ = refused;
    }
    // Counted, not compared: a collector restarted between two reads
    // leaves its DISCONNECTED, CONNECTED and HANDSHAKE_SUCCEEDED in one.
    handshaken_ = out_->handshaken();
    if (const std::uint64_t n = out_->handshakes(); n != handshakes_seen_) {
      state_.connections += n - handshakes_seen_;
      handshakes_seen_ = n;
      announce_owed_ = true;
    }
  }
  if (retry_.take_due(now)) {
    std::string error;
    (void)connect_out(error);  // accepted at start(): cannot fail for the endpoint
  }
  const bool relayed = (items[0].revents & ZMQ_POLLIN) && relay_in(now);
  if (items[2].revents & ZMQ_POLLIN) relay_out();
  announce(now);
  state_.connected = handshaken_ && now - last_heard_ < kAnnounceAfterSilence;
  state_.refused = refusal_;
  return relayed;
}

bool DialOut::relay_in(Clock::time_point now) {
  bool any = false;
  for (int i = 0; i < kBatch; ++i) {
    zmq::message_t msg;
    if (!out_->dealer().recv(msg, zmq::recv_flags::dontwait)) break;
    any = true;
    last_heard_ = now;
    if (!refusal_.empty()) {
      refusal_.clear();  // a message proves the collector let us in
      retry_.succeeded();
    }
    ++state_.frames_in;
    // The server's inproc queue is full only if its thread (this one) is
    // behind: drop, the server's silence and gap rules recover.
    if (!in_.send(msg, zmq::send_flags::dontwait)) ++state_.dropped;
  }
  return any;
}

void DialOut::relay_out() {
  for (int i = 0; i < kBatch; ++i) {
    zmq::message_t msg;
    if (!in_.recv(msg, zmq::recv_flags::dontwait)) return;
    // Not connected, or the collector reads too slowly: the frame is lost
    // (counted); the collector sees the sequence gap and asks again.
    if (out_->dealer().send(msg, zmq::send_flags::dontwait))
      ++state_.frames_out;
    else
      ++state_.dropped;
  }
}

void DialOut::announce(Clock::time_point now) {
  const auto since = now - last_announce_;
  const bool due = announce_owed_ ? since >= kAnnounceRetry
                                  : now - last_heard_ >= kAnnounceAfterSilence && since >= kAnnounceInterval;
  if (!due) return;
  last_announce_ = now;
  const std::string frame = announce_frame();
  zmq::message_t msg(frame.data(), frame.size());
  // Fails (EAGAIN) while no connection completed its handshake (immediate).
  if (out_->dealer().send(msg, zmq::send_flags::dontwait)) {
    ++state_.announces;
    announce_owed_ = false;
  }
}

DialOutState DialOut::state() const { return state_; }

}  // namespace beamscope::transport
