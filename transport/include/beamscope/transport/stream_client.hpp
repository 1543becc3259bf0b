// The viewing side of the stream, used by the collector, the GUI and the
// CLI: connect (DEALER), say Hello, receive keyframes then sequenced
// deltas into a FleetModel; on a sequence gap say Hello again to resync.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "beamscope.pb.h"
#include "beamscope/protocol/decode_rejects.hpp"
#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/node_model.hpp"
#include "beamscope/transport/security.hpp"

namespace zmq {
class context_t;
}

namespace beamscope::transport {

/// One-shot fetch for command-line tools: connects, sends Hello without
/// streaming, waits for SnapshotDone. Returns the keyframes by node, or
/// nullopt with `error` set ("no answer from tcp://... within 3000 ms", or
/// at once "not authorized by tcp://...: ..." when the server refuses us,
/// or "3 frames dropped from tcp://...: wrong major version 2 (this build
/// reads 1)" when for kDropGraceMs after a dropped frame nothing good came).
std::optional<protocol::FleetModel> fetch_snapshot(const std::string& endpoint, std::chrono::milliseconds timeout,
                                                   std::string& error, const ClientSecurity& security = {});

/// How long a one-shot fetch waits for a good frame after dropping one.
inline constexpr int kDropGraceMs = 1000;

/// One-shot page of a supervisor's children, for command-line tools:
/// connects, sends the request for `node`, waits for the ChildrenPage with
/// the same request_id. nullopt with `error` set when nothing answers in
/// time; a page with `error()` set when the server answered it cannot.
std::optional<v1::ChildrenPage> fetch_children(const std::string& endpoint, const std::string& node,
                                                         const v1::ChildrenRequest& request,
                                                         std::chrono::milliseconds timeout, std::string& error,
                                                         const ClientSecurity& security = {});

/// One-shot request of any kind (protocol/requests.hpp: children or
/// process pages, process detail, an action) for `node`: connects, sends
/// it, waits for the frame that answers it (protocol::answers). nullopt
/// with `error` set when nothing answers in time or the server refuses us;
/// an answer whose own `error` is set when the server cannot serve it.
///   protocol::Envelope env;
///   *env.mutable_processes_request() = protocol::processes_request(ProcessesRequest::MAILBOX, 0, 100);
///   auto answer = fetch_answer(endpoint, node, env, 3s, error);
///   if (answer) use(answer->processes_page());
std::optional<protocol::Envelope> fetch_answer(const std::string& endpoint, const std::string& node,
                                               protocol::Envelope request, std::chrono::milliseconds timeout,
                                               std::string& error, const ClientSecurity& security = {});

/// One-shot query of a node's history (one series over a range): an
/// agent answers from its ring, a collector from what it keeps. An answer
/// with `error()` set when the server cannot (unknown series, no history).
std::optional<v1::HistoryAnswer> fetch_history(const std::string& endpoint, const std::string& node,
                                               const v1::HistoryRequest& request,
                                               std::chrono::milliseconds timeout, std::string& error,
                                               const ClientSecurity& security = {});

struct StreamClientStats {
  std::uint64_t frames_received = 0;
  std::uint64_t frames_rejected = 0;    // failed decode (malformed, oversize, ...) = rejects.total()
  protocol::DecodeRejects rejects;      // the same by reason; rejects.describe(endpoint) says it
  std::int64_t last_rejected_us = 0;    // when the latest was dropped (same clock as last_heard_us)
  std::uint64_t gaps = 0;               // resyncs asked for
  bool connected = false;               // heard from the server recently
  std::int64_t last_heard_us = 0;
  std::string refused;                  // "not authorized by ...": the server refuses us
  protocol::CutCounts cut;              // entries and nodes past the model's limits, not kept
};

/// Background subscriber. Its thread owns the socket and the model; other
/// threads read immutable snapshots.
class StreamClient {
 public:
  /// Called on the client's thread with every frame that was applied
  /// (keyframe or delta), e.g. for the collector to forward it; the
  /// handler may keep it (the client is done with it).
  using FrameHandler = std::function<void(const protocol::SharedEnvelope&)>;
  /// Called on the client's thread when a node is gone or the server is silent.
  using GoneHandler = std::function<void(const std::string& node, const std::string& reason)>;
  /// Called on the client's thread with every answer to request()
  /// (protocol::is_answer), and every History the server sends after a
  /// node's keyframe; it must not call back into this client.
  using ReplyHandler = std::function<void(const protocol::Envelope&)>;

  /// Validates the endpoint and starts connecting (ZeroMQ reconnects by
  /// itself). nullptr and `error` set when the endpoint string is bad.
  /// The model keeps at most `limits`; on_frame sees each frame trimmed to
  /// what was kept. With `shared_context` the client's sockets live in that
  /// context (an inproc:// endpoint bound there, e.g. a DialInListener's),
  /// which must outlive the client; otherwise the client owns a context.
  static std::unique_ptr<StreamClient> start(const std::string& endpoint, std::string& error,
                                             FrameHandler on_frame = {}, GoneHandler on_gone = {},
                                             ReplyHandler on_reply = {}, const ClientSecurity& security = {},
                                             const protocol::ModelLimits& limits = {},
                                             zmq::context_t* shared_context = nullptr);
  ~StreamClient();
  void stop();

  const std::string& endpoint() const { return endpoint_; }

  /// Latest state of every node heard of; thread-safe copy of pointers.
  std::vector<std::shared_ptr<const protocol::Keyframe>> snapshots() const;

  StreamClientStats stats() const;

  /// Sends a request (e.g. a ChildrenRequest; env.node() names the node) to
  /// the server from any thread; the answer comes to the ReplyHandler.
  /// False when too many requests are already waiting to be sent.
  bool request(protocol::Envelope env);

  StreamClient(const StreamClient&) = delete;
  StreamClient& operator=(const StreamClient&) = delete;

 private:
  struct Impl;
  explicit StreamClient(std::unique_ptr<Impl> impl, std::string endpoint);
  std::unique_ptr<Impl> impl_;
  std::string endpoint_;
};

}  // namespace beamscope::transport
