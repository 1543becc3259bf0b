// The collector's core: one StreamClient per agent feeding one StreamServer,
// so viewers talk to the collector exactly as to an agent. Frames are
// forwarded unchanged (node, seq and timestamp of the agent), and the
// server's FleetModel is the collector's view of every node.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "beamscope.pb.h"
#include "beamscope/collector/history_store.hpp"
#include "beamscope/collector/past_states.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "beamscope/transport/stream_server.hpp"

namespace beamscope::collector {
class RequestRelay;
}

namespace beamscope::collector {

struct FanInOptions {
  std::vector<std::string> agents;       ///< agent stream endpoints to connect to
  transport::StreamServerOptions server; ///< where viewers connect (server.endpoint)
  int request_timeout_ms = 10000;        ///< an agent's time to answer a relayed request
  /// CURVE keys towards each agent, in the order of `agents`; agents past
  /// its end are plaintext.
  std::vector<transport::ClientSecurity> agent_security = {};
  /// What the collector keeps: per node (each agent link's model and the
  /// viewers' one), and max_nodes over every agent together.
  protocol::ModelLimits limits = {};
  /// Taps (--record): every keyframe and delta forwarded (the very frame
  /// the server sends, shared), and every node gone, called on the links'
  /// threads; must not block.
  std::function<void(const protocol::SharedEnvelope&)> on_frame = {};
  std::function<void(const std::string& node, const std::string& reason)> on_gone = {};
  /// The nodes' history: every applied frame recorded, agents' Histories
  /// backfilled, viewers' HistoryRequests answered and a History sent after
  /// each keyframe of a Hello. Must outlive the FanIn; nullptr keeps none.
  HistoryStore* history = nullptr;
  /// The collector's recording (--record FILE): viewers asking for a
  /// node's state at a time (protocol 1.6) are answered from it
  /// (PastStates); "" answers that nothing is recorded.
  std::string recording = {};
};

/// One agent link as seen from the collector.
struct AgentLinkStats {
  std::string endpoint;
  std::uint64_t frames_received = 0;   ///< decoded frames of any kind
  std::uint64_t frames_rejected = 0;   ///< failed decode: malformed, oversize, ...
  protocol::DecodeRejects rejects;     ///< the same by reason
  std::uint64_t frames_forwarded = 0;  ///< applied keyframes/deltas handed to the server
  std::uint64_t resyncs = 0;           ///< sequence gaps that asked for a keyframe
  bool connected = false;              ///< heard from the agent recently
  std::string refused;                 ///< "not authorized by ...": the agent refuses our key
  protocol::CutCounts cut;             ///< what this agent sent past the limits, not kept
};

struct FanInStats {
  std::vector<AgentLinkStats> agents;       ///< in the order the agents were added
  std::uint64_t forward_dropped = 0;        ///< server queue full: frame not forwarded
  std::uint64_t node_conflicts = 0;         ///< frames of a node already served by another agent
  std::uint64_t requests_relayed = 0;       ///< viewer requests answered by an agent
  std::uint64_t requests_failed = 0;        ///< answered by the collector: unknown node, busy, timeout
  transport::StreamServerStats server;      ///< the viewer side
  protocol::ModelLimits limits;             ///< what the collector keeps (FanInOptions::limits)
  std::optional<HistoryStoreStats> history; ///< when FanInOptions::history is set
  std::optional<PastStatesStats> past;      ///< when FanInOptions::recording is set
};

/// Usage:
///   std::string err;
///   auto fan = FanIn::start({.agents = {"tcp://10.0.0.5:9755"}, .server = {.endpoint = "tcp://127.0.0.1:9756"}}, err);
///   if (!fan) die(err);
///   fan->snapshots();  // latest state of every node, for /metrics
class FanIn {
 public:
  /// Binds the viewer endpoint, then connects to every agent. nullptr and
  /// `error` set when an endpoint is invalid or the bind fails.
  static std::unique_ptr<FanIn> start(const FanInOptions& opts, std::string& error);
  ~FanIn();
  /// Stops the agent links first (no forwarding into a dead server), then the server.
  void stop();

  /// The viewer endpoint actually bound (resolves "tcp://127.0.0.1:*").
  const std::string& listen_endpoint() const;

  /// Latest state of every node the collector serves; thread-safe.
  std::vector<std::shared_ptr<const v1::Keyframe>> snapshots() const;

  /// Counters of every link and of the server; thread-safe.
  FanInStats stats() const;

  /// Which link serves each node now: node name -> the link's endpoint (or a
  /// dialled-in agent's name); thread-safe. Discovery asks it to skip nodes
  /// present already and to keep links that still serve a node.
  std::unordered_map<std::string, std::string> node_links() const;

  /// Follows one more agent (the agents file re-read on SIGHUP); false and
  /// `error` set for a bad endpoint or one followed already.
  bool add_agent(const std::string& endpoint, const transport::ClientSecurity& security, std::string& error);
  /// Follows an agent that dialled in (transport::DialInListener): its link
  /// connects to `inproc_endpoint` in `ctx` (the listener's context) and is
  /// known by `name` (stats, /metrics, remove_agent). False and `error` set
  /// when the name is followed already or the fan-in is stopping.
  bool add_dialled_agent(const std::string& name, const std::string& inproc_endpoint, zmq::context_t& ctx,
                         std::string& error);
  /// Stops following an agent (its endpoint, or a dialled-in agent's name):
  /// its link is closed and the nodes it served are gone for viewers with
  /// `reason`. False when it was not followed.
  bool remove_agent(const std::string& endpoint,
                    const std::string& reason = "its agent is no longer followed by the collector");

  FanIn(const FanIn&) = delete;
  FanIn& operator=(const FanIn&) = delete;

 private:
  struct Link;
  FanIn();
  void forward(Link& link, const protocol::SharedEnvelope& frame);
  void gone(Link& link, const std::string& node, const std::string& reason);
  // Viewer requests (pages, detail, actions): relayed to the agent serving the
  // node, answers routed back to the viewer that asked.
  void relay_request(const std::string& viewer, const protocol::Envelope& request, const std::string& key = "");
  void relay_answer(const Link& link, const protocol::Envelope& answer);
  void answer_history(const std::string& viewer, const protocol::Envelope& request);
  void fail_request(const std::string& viewer, protocol::Envelope answer);
  void expire_requests();

  // `key` names the link; its client connects to `endpoint` (in `ctx` when given).
  std::shared_ptr<Link> start_link(const std::string& key, const std::string& endpoint,
                                   const transport::ClientSecurity& security, std::string& error,
                                   zmq::context_t* ctx = nullptr);
  bool followed(const std::string& key) const;  // with links_mutex_ held
  std::shared_ptr<Link> find_link(const Link* raw) const;

  std::unique_ptr<transport::StreamServer> server_;
  // The agent links' sockets (dialled-in ones excepted) share one context
  // and its one I/O thread: a context per link was an I/O thread per agent,
  // and their wake-ups a sixth of the collector's CPU (bench/ingest).
  // Declared before links_: closed after every link's socket.
  zmq::context_t links_context_{1};
  // Agents come and go on SIGHUP: a link in use by a request stays alive
  // until the request is handed over (shared_ptr), links_ under its mutex.
  mutable std::mutex links_mutex_;
  std::vector<std::shared_ptr<Link>> links_;
  bool stopping_ = false;  // no link is added after stop() (a dial-in during shutdown)
  protocol::ModelLimits link_limits_;

  // Which link serves which node: two agents claiming one node name would
  // interleave unrelated sequences and make every viewer resync forever.
  mutable std::mutex owners_mutex_;
  std::unordered_map<std::string, const Link*> owners_;
  std::uint64_t node_conflicts_ = 0;
  protocol::ModelLimits limits_;
  std::function<void(const protocol::SharedEnvelope&)> on_frame_;
  std::function<void(const std::string&, const std::string&)> on_gone_;
  HistoryStore* history_ = nullptr;
  std::unique_ptr<PastStates> past_;  // answers from the recording, on its own thread

  std::mutex relay_mutex_;
  std::unique_ptr<RequestRelay> relay_;
  std::atomic<std::uint64_t> requests_relayed_{0}, requests_failed_{0};
  std::atomic<bool> serving_{false};  // server_ and links_ are set: requests may be relayed
};

}  // namespace beamscope::collector
