// The serving side of the stream, used by the agent and by the collector.
//
// One ROUTER socket on one endpoint. A viewer (DEALER) sends Hello; the
// server answers with a keyframe of every node it knows, then SnapshotDone,
// and, when the Hello asked for it, streams every published frame to that
// viewer until it stops sending heartbeats. The server keeps a FleetModel
// of what it published, so late joiners and gap recovery get a keyframe
// without asking the producer. It runs its own I/O thread; publish() never
// blocks: a full queue drops the frame and counts it.
//
// Bounds (what a hostile or broken peer can cost): at most max_viewers
// connections are served, the rest get a Refused answer and are closed;
// libzmq closes a connection whose message is over max_message_bytes before
// assembling it; a Hello is answered from one cached serialization per node
// change, at most once per hello_interval_ms per peer, and only while the
// server's threads are within serve_cpu_us_per_s; a viewer whose queue stays
// full for backpressure_ms, a peer silent for viewer_timeout_ms or sending
// garbage repeatedly is dropped. Every refusal is counted by reason.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "beamscope.pb.h"
#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/node_model.hpp"
#include "beamscope/transport/security.hpp"

namespace zmq {
class context_t;
}

namespace beamscope::transport {

/// Called on the server's I/O thread with a request frame from a viewer
/// (protocol::is_request: children and process pages, process detail,
/// actions). It must not block: it hands the request on and answers later,
/// from any thread, with StreamServer::reply(viewer, ...).
using RequestHandler = std::function<void(const std::string& viewer, const protocol::Envelope& request)>;
/// The same with the viewer's CURVE public key (Z85; "" on a plaintext
/// stream), for servers that log who asked (the agent's actions).
using KeyedRequestHandler = std::function<void(const std::string& viewer, const std::string& viewer_key,
                                               const protocol::Envelope& request)>;

/// Called on the server's I/O thread after a node's keyframe was sent in
/// answer to a Hello that asked for the stream (not for periodic
/// keyframes, not for one-shot fetches): the node's history (a History
/// body), sent to that viewer next; nullopt sends nothing. Must not block.
using HistoryProvider = std::function<std::optional<protocol::Envelope>(const std::string& node)>;

/// Why the server refused a message or dropped a peer. The names are the
/// `reason` label of beamscope_stream_rejected_total and of
/// AgentStats.stream_rejected (stable: dashboards and scripts use them).
enum class Rejection : std::uint8_t {
  kBadFrame,        ///< not one protobuf Envelope of this major version within bounds
  kTooLarge,        ///< a request over kMaxRequestBytes (over max_message_bytes libzmq closes the connection)
  kHelloRate,       ///< a Hello within hello_interval_ms of the last one answered (answered later, once)
  kTooManyViewers,  ///< a connection over max_viewers: told so, then closed
  kUnknownRequest,  ///< a valid Envelope that is no viewer request (a keyframe sent to the server...)
  kSilent,          ///< connected, but no valid message for viewer_timeout_ms: closed
  kSlowViewer,      ///< its outbound queue stayed full for backpressure_ms: closed
  kMisbehaving,     ///< kMaxBadFrames bad or oversized frames: closed
};
inline constexpr std::size_t kRejectionKinds = 8;
static_assert(kRejectionKinds <= protocol::limits::kMaxRejectReasons, "AgentStats.stream_rejected carries every reason");
/// Stable label, e.g. "too_many_viewers".
const char* to_string(Rejection r);

/// The largest request a viewer has reason to send (a Hello or a
/// ChildrenRequest is well under 1 KiB); bigger ones are refused unparsed.
inline constexpr std::size_t kMaxRequestBytes = 16 * 1024;
/// Bad or oversized frames after which a peer is disconnected.
inline constexpr int kMaxBadFrames = 8;

/// A collector the server dials out to (the agent's collector_endpoints): it
/// is served as one more viewer, over a connection the server opened.
struct DialOutTarget {
  std::string endpoint;      ///< e.g. tcp://collector:9758
  ClientSecurity security;   ///< CURVE client keys; no server key: plaintext
  /// Inbound message size accepted from the collector (requests only).
  std::int64_t max_message_bytes = 64 * 1024;
};

/// How a dialled collector stands.
struct DialOutState {
  std::string endpoint;
  bool connected = false;          ///< handshake done and the collector heard from within 3 s
  std::string refused;             ///< the collector's refusal, until a message gets through
  std::uint64_t connections = 0;   ///< handshakes completed (a collector restart makes one more)
  std::uint64_t sockets = 0;       ///< sockets made (one more after each refusal's backoff)
  std::uint64_t announces = 0;
  std::uint64_t frames_out = 0, frames_in = 0;
  std::uint64_t dropped = 0;       ///< frames lost while not connected or the collector was slow
};

struct StreamServerOptions {
  /// Where viewers connect; empty: nowhere (only dial_out, e.g. an agent
  /// behind a firewall that accepts no inbound connection).
  std::string endpoint = "tcp://127.0.0.1:9755";
  /// Collectors to dial: each is served like a viewer that connected.
  std::vector<DialOutTarget> dial_out = {};
  std::size_t queue_limit = 256;         // frames waiting for the I/O thread
  int keyframe_interval_ms = 10000;      // periodic keyframe to all viewers
  int viewer_timeout_ms = 10000;         // viewer silent this long is dropped
  /// Frames queued per viewer before sends to it fail (and are counted).
  /// Frames are shared between viewers, not copied: a viewer that never
  /// reads pins at most this many frames, then is dropped (backpressure_ms).
  int send_hwm = 100;
  /// Connections served at once (agent: stream_max_viewers, collector:
  /// --max-viewers); more are answered Refused and closed.
  std::size_t max_viewers = 64;
  /// Inbound message size libzmq accepts (ZMQ_MAXMSGSIZE): a peer sending
  /// more is disconnected before the message is assembled.
  std::int64_t max_message_bytes = 64 * 1024;
  int hello_interval_ms = 1000;          // per peer: Hellos answered at most this often
  int backpressure_ms = 5000;            // a viewer whose queue stays full this long is dropped
  /// CPU time (us per second of wall time) the server's threads (its own
  /// and libzmq's) may spend before Hellos wait for the next second's
  /// credit; streaming frames and heartbeats are never held. 0: no bound.
  /// The agent sets it to half its budget, so viewers never starve the sweep.
  std::uint64_t serve_cpu_us_per_s = 0;
  /// Nice levels the server's threads (its own, libzmq's I/O thread and
  /// reaper) run below the program's: the agent sets 10, so
  /// that under a flood on its port the host's schedulers keep the cores.
  int thread_nice = 0;
  /// What the server's model (late joiners' keyframes) keeps per node and nodes in all.
  protocol::ModelLimits model_limits = {};
  /// Without a handler, requests are answered with an error page at once.
  RequestHandler on_request = {};
  /// Used instead of on_request when set.
  KeyedRequestHandler on_keyed_request = {};
  /// Without one, Hellos get keyframes only.
  HistoryProvider history_for = {};
  /// CURVE: secret key, authorized viewers, the plaintext-off-loopback rule.
  ServerSecurity security = {};
  /// Warnings for the program's log (refused keys at most once a minute, an
  /// authorized-keys file that became malformed); I/O thread, must not block.
  std::function<void(const std::string&)> on_warning = {};
};

struct StreamServerStats {
  std::uint64_t frames_published = 0;    // accepted by publish()
  std::uint64_t frames_sent = 0;         // frames handed to ZeroMQ (per viewer)
  std::uint64_t frames_dropped = 0;      // queue full or viewer HWM reached
  std::uint64_t frames_rejected = 0;     // received frames that failed decode (= rejected bad_frame)
  std::uint64_t requests = 0;            // requests received from viewers
  std::uint32_t viewers = 0;             // streaming viewers
  std::uint32_t connections = 0;         // connected peers, refused ones included until closed
  std::uint64_t disconnects = 0;         // connections closed (by the peer, by us, or by libzmq: oversize)
  std::array<std::uint64_t, kRejectionKinds> rejected{};  // by Rejection
  std::uint64_t hellos_answered = 0;
  std::uint64_t hellos_deferred = 0;     // held for the CPU bound (answered later)
  std::uint64_t keyframe_encodes = 0;    // keyframe serializations (one per node change, reused by every Hello)
  std::uint64_t histories_sent = 0;      // History frames sent after a Hello's keyframe
  std::uint64_t viewer_pinned_bytes = 0; // bytes of the frames queued for viewers right now (shared frames once)
  std::uint64_t io_cpu_us = 0;           // CPU time of the I/O thread and libzmq's threads so far
  std::uint64_t zmq_cpu_us = 0;          // of which libzmq's own threads (I/O, reaper)
  bool curve = false;                    // the stream is encrypted
  std::uint64_t auth_refused = 0;        // CURVE viewers whose key is not authorized
  std::uint64_t handshake_failed = 0;    // plaintext viewers, wrong server key, broken handshakes
  std::vector<DialOutState> dial_out;    // one per StreamServerOptions::dial_out, in order
};

class StreamServer {
 public:
  /// Reads the key files, binds and starts the I/O thread. Returns nullptr
  /// and sets `error` on failure ("tcp://127.0.0.1:9755: Address already in
  /// use", "keys.secret: permissions 0644 are too open ...", a plaintext
  /// bind off loopback).
  static std::unique_ptr<StreamServer> start(const StreamServerOptions& opts, std::string& error);

  /// Stops the thread and closes the socket (linger 0). Idempotent.
  ~StreamServer();
  void stop();

  /// Queues a keyframe or delta (node, seq, timestamp already set) for
  /// every viewer. Thread-safe; never blocks; false when dropped.
  bool publish(protocol::Envelope env);
  /// The same frame shared with other readers (a collector's recorder), not copied.
  bool publish(protocol::SharedEnvelope env);

  /// Queues a frame for one viewer only (the answer to its request; node
  /// set, version and timestamp stamped on sending). Thread-safe; never blocks; false when
  /// dropped.
  bool reply(const std::string& viewer, protocol::Envelope env);

  /// Forgets a node and tells viewers it is gone (collector: agent lost).
  void node_gone(const std::string& node, const std::string& reason);

  /// The endpoint actually bound (resolves "tcp://127.0.0.1:*"); empty
  /// when the server only dials out.
  const std::string& bound_endpoint() const { return bound_; }

  StreamServerStats stats() const;

  /// Latest state of every node published so far; thread-safe copy.
  std::vector<std::shared_ptr<const protocol::Keyframe>> snapshots() const;

  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

 private:
  struct Impl;
  explicit StreamServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string bound_;
};

}  // namespace beamscope::transport
