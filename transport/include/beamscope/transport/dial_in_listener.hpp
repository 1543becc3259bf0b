// The collector's end of agents that dial out (an agent's
// collector_endpoints: it accepts no inbound connection). A ROUTER takes
// the agents' connections; each agent that announces itself gets a DEALER
// bound on inproc:// in the listener's context, where the program runs an
// ordinary StreamClient, so a dialled-in agent is followed exactly like one
// the collector connects to. The listener relays frames between the two.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "beamscope/protocol/limits.hpp"
#include "beamscope/transport/security.hpp"

namespace zmq {
class context_t;
}

namespace beamscope::transport {

/// Why the listener dropped a message.
enum class DialInRejection : std::uint8_t {
  kNotAnnounced,   ///< an unknown connection's first message was no Announce
  kTooManyAgents,  ///< an Announce past max_agents
  kBadFrame,       ///< not one frame, or a first message that does not decode
  kQueueFull,      ///< the other side's queue was full (or its agent gone): frame dropped
  kNoAnnounce,     ///< a connection not let in (by an Announce) within announce_timeout_ms: closed
  kTooManyUnannounced,  ///< past max_unannounced connections waiting to announce: the oldest closed
};
inline constexpr std::size_t kDialInRejectionKinds = 6;

/// Short stable name ("not_announced", ...) for logs and metric labels.
const char* to_string(DialInRejection r);

struct DialInOptions {
  std::string endpoint = {};     ///< where agents dial in, e.g. tcp://0.0.0.0:9758
  ServerSecurity security = {};  ///< CURVE server key and the agents' authorized keys
  std::size_t max_agents = 1000;
  int silence_ms = 10000;  ///< an agent silent this long is let go, its connection closed (it sends heartbeats every second)
  /// Connections (TCP accepted, whether or not their ZMTP or CURVE
  /// handshake is done) not yet let in by an Announce are held at most
  /// this long, then closed; an agent announces at once. Under libzmq's own
  /// 5 s handshake limit, so that a peer which completes nothing is counted.
  int announce_timeout_ms = 3000;
  /// Connections waiting to announce, at once: one more closes the oldest.
  /// With max_agents this bounds every connection held (a let-in agent has
  /// one; a reconnection takes over from its old one).
  std::size_t max_unannounced = 64;
  /// Inbound messages over this close the connection: twice the frame
  /// limit, so a frame just over it reaches the link and is counted there.
  std::int64_t max_message_bytes = 2 * static_cast<std::int64_t>(protocol::limits::kMaxFrameBytes);
  /// Called on the listener's thread; must be quick. The program starts a
  /// StreamClient on `inproc_endpoint` with `ctx` (the listener's context,
  /// context()) as its shared context.
  std::function<void(const std::string& name, const std::string& inproc_endpoint, zmq::context_t& ctx)> on_agent = {};
  /// The agent's inproc socket is closed already; stop its StreamClient.
  std::function<void(const std::string& name, const std::string& reason)> on_agent_gone = {};
  std::function<void(const std::string&)> on_warning = {};
};

struct DialInStats {
  std::uint64_t agents = 0;       ///< dialled in now
  std::uint64_t agents_ever = 0;  ///< let in since the start
  std::uint64_t announces = 0;    ///< Announce frames received (known agents' included)
  std::uint64_t frames_in = 0;    ///< agent -> link
  std::uint64_t frames_out = 0;   ///< link -> agent
  std::array<std::uint64_t, kDialInRejectionKinds> rejected{};  ///< by DialInRejection
  std::uint64_t auth_refused = 0;  ///< connections whose key is not authorized
  std::uint64_t connections = 0;   ///< open now (as libzmq's monitor reports them), announced or not
  std::uint64_t unannounced = 0;   ///< of them, not let in by an Announce yet
  bool curve = false;
};

/// Usage:
///   DialInOptions o{.endpoint = "tcp://0.0.0.0:9758", .security = {...}};
///   o.on_agent = [&](auto& name, auto& ep, auto& ctx) { fan->add_dialled_agent(name, ep, ctx, err); };
///   o.on_agent_gone = [&](auto& name, auto&) { fan->remove_agent(name); };
///   auto listener = DialInListener::start(o, error);
/// Shutdown: stop() (no callback after it), then stop every StreamClient
/// started on context(), then destroy the listener (closes the context).
class DialInListener {
 public:
  /// Binds and starts the thread; nullptr and `error` set when the
  /// endpoint, the security or the bind fails.
  static std::unique_ptr<DialInListener> start(const DialInOptions& opts, std::string& error);
  /// Stops, then closes the context: every socket on it must be closed.
  ~DialInListener();

  /// Joins the thread and closes the listener's own sockets (the agents'
  /// connections and their inproc ends). No callback runs after it.
  void stop();

  /// Where the StreamClients of dialled-in agents must live (inproc).
  zmq::context_t& context();
  /// The endpoint actually bound (resolves "tcp://127.0.0.1:*").
  const std::string& bound_endpoint() const { return bound_; }
  /// Thread-safe.
  DialInStats stats() const;

  DialInListener(const DialInListener&) = delete;
  DialInListener& operator=(const DialInListener&) = delete;

 private:
  struct Impl;
  explicit DialInListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string bound_;
};

}  // namespace beamscope::transport
