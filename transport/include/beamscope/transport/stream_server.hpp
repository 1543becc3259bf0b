// The serving side of the stream, used by the agent and by the collector.
//
// One ROUTER socket on one endpoint. A viewer (DEALER) sends Hello; the
// server answers with a keyframe of every node it knows, then SnapshotDone,
// and, when the Hello asked for it, streams every published frame to that
// viewer until it stops sending heartbeats. The server keeps a FleetModel
// of what it published, so late joiners and gap recovery get a keyframe
// without asking the producer. It runs its own I/O thread; publish() never
// blocks: a full queue drops the frame and counts it.
#pragma once

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

#include "beamscope.pb.h"
#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/node_model.hpp"
#include "beamscope/transport/security.hpp"

namespace zmq {
class context_t;
}

namespace beamscope::transport {

/// Called on the server's I/O thread with a request frame from a viewer
/// (today: ChildrenRequest). It must not block: it hands the request on and
/// answers later, from any thread, with StreamServer::reply(viewer, ...).
using RequestHandler = std::function<void(const std::string& viewer, const protocol::Envelope& request)>;

struct StreamServerOptions {
  std::string endpoint = "tcp://127.0.0.1:9755";
  std::size_t queue_limit = 256;         // frames waiting for the I/O thread
  int keyframe_interval_ms = 10000;      // periodic keyframe to all viewers
  int viewer_timeout_ms = 10000;         // viewer silent this long is dropped
  int send_hwm = 1000;
  /// What the server's model (late joiners' keyframes) keeps per node and nodes in all.
  protocol::ModelLimits model_limits = {};
  /// Without a handler, requests are answered with an error page at once.
  RequestHandler on_request = {};
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
  std::uint64_t frames_rejected = 0;     // received frames that failed decode
  std::uint64_t requests = 0;            // requests received from viewers
  std::uint32_t viewers = 0;
  std::uint64_t io_cpu_us = 0;           // CPU time of the I/O thread so far
  bool curve = false;                    // the stream is encrypted
  std::uint64_t auth_refused = 0;        // CURVE viewers whose key is not authorized
  std::uint64_t handshake_failed = 0;    // plaintext viewers, wrong server key, broken handshakes
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

  /// Queues a frame for one viewer only (the answer to its request; node
  /// set, version and timestamp stamped on sending). Thread-safe; never blocks; false when
  /// dropped.
  bool reply(const std::string& viewer, protocol::Envelope env);

  /// Forgets a node and tells viewers it is gone (collector: agent lost).
  void node_gone(const std::string& node, const std::string& reason);

  /// The endpoint actually bound (resolves "tcp://127.0.0.1:*").
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
