// The agent's state, owned by one NIF resource: the stream server, the
// /metrics exposer, the sweep and the publishing sequence. Sockets and
// HTTP run on their own threads; everything here is called from NIFs and
// returns quickly. stop() (and the destructor) join those threads, so a
// resource that is garbage collected leaks nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "beamscope.pb.h"
#include "beamscope/protocol/alerts.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "history_ring.hpp"
#include "hot_rates.hpp"
#include "sweep.hpp"

namespace prometheus {
class Collectable;
class Exposer;
}

namespace beamscope::agent {

/// A collector the agent dials (collector_endpoints).
struct CollectorEndpoint {
  std::string endpoint;
  std::string server_key_file;  // the collector's .pub; empty: plaintext
};

struct AgentConfig {
  std::string stream_endpoint;  // empty: disabled (only collector_endpoints)
  std::vector<CollectorEndpoint> collector_endpoints;
  std::optional<std::string> metrics_listen;  // nullopt: disabled
  std::size_t top_k = 50;
  std::string auth_user;      // empty: /metrics without authentication
  std::string auth_password;
  std::string tls_pem;        // empty: plain HTTP
  std::string secret_key_file;       // empty: plaintext stream
  std::string authorized_keys_file;  // empty: any viewer with the agent's public key
  bool insecure_remote = false;
  std::size_t max_viewers = 64;          // stream_max_viewers
  std::uint64_t viewer_cpu_us_per_s = 0;  // the stream's share of the budget (0: unbounded)
  std::uint32_t history_s = 600;          // the history ring's window (0: none)
  std::uint32_t tick_ms = 1000;
  std::uint64_t mailbox_alarm = protocol::AlertSettings{}.mailbox_alarm;  // the alert rules' threshold
  /// Warnings for the node's logger (refused viewer keys, a broken
  /// authorized-keys file); called on the stream's I/O thread.
  std::function<void(const std::string&)> on_warning;
};

/// CPU time of the calling thread, nanoseconds (0 if the clock fails).
std::uint64_t thread_cpu_ns();

/// The latest keyframe, shared with the HTTP thread of /metrics. A scrape
/// copies the pointer under the lock; the keyframe itself is immutable.
struct SnapshotBox {
  std::mutex mu;
  std::shared_ptr<const v1::Keyframe> latest;
  /// CPU time of each HTTP worker thread, read by the thread itself at its
  /// last scrape: its earlier scrapes whole (a scrape's own serialization
  /// shows at the next one). At most MetricsHttpOptions::threads entries.
  std::map<std::thread::id, std::uint64_t> http_cpu_ns;
  std::shared_ptr<const v1::Keyframe> get() {
    std::lock_guard lock(mu);
    return latest;
  }
  /// Called on an HTTP worker thread, at each scrape.
  void note_http_cpu();
  std::uint64_t http_cpu_us();
};

struct AgentCounters {
  std::uint64_t seq = 0;
  std::uint64_t keyframes_sent = 0;
  std::uint64_t deltas_sent = 0;
  std::uint64_t publish_dropped = 0;  // refused by the stream server's queue
  std::uint64_t frames_published = 0;
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_dropped = 0;
  std::uint64_t frames_rejected = 0;
  std::uint64_t keyframe_bytes = 0;  // serialized envelopes handed to the stream server
  std::uint64_t delta_bytes = 0;
  std::uint32_t viewers = 0;
  std::uint64_t memory_bytes = 0;
  std::uint64_t thread_cpu_us = 0;  // the stream I/O and HTTP threads and dirty NIFs, since start
  std::uint64_t auth_refused = 0;     // viewers whose CURVE key is not authorized
  std::uint64_t handshake_failed = 0; // plaintext viewers at a CURVE stream, wrong server keys
  bool curve = false;                 // the stream is encrypted
  bool plaintext_remote = false;      // plaintext off loopback (stream_insecure_remote)
  bool running = false;
  transport::StreamServerStats stream;  // the stream server's own, at counters()
  v1::HistoryStats history;             // the history ring, at counters()
};

class AgentState {
 public:
  explicit AgentState(const AgentConfig& config);
  ~AgentState();

  /// Binds the stream endpoint and /metrics. Empty on success, else an
  /// error naming what failed ("stream_endpoint tcp://...: Address already in use").
  std::string start();
  /// Stops the HTTP server, then the stream server. Idempotent.
  void stop();

  /// Guards the sweep and the publishing sequence: NIFs may be called from
  /// several processes at once (the sampler, a test asking for stats).
  std::mutex& mutex() { return mu_; }
  Sweep& sweep() { return sweep_; }
  /// The hot set's readings between ticks (caller holds the lock).
  HotHistory& hot_history() { return hot_; }
  const AgentConfig& config() const { return config_; }

  /// Keeps `kf` as the latest snapshot and sends it on the stream, as a
  /// keyframe the first time and after any drop, else as a delta from the
  /// last frame sent. Fills kf.agent and kf.alerts (the alert rules run
  /// here, once per state, for every reader). Caller holds mutex().
  void publish(v1::Keyframe kf);

  /// The supervision tree part (tree, tree_stats) and the events part
  /// (events, monitor) copied into every keyframe from now on; null keeps
  /// them empty. Caller holds mutex().
  void set_tree(std::shared_ptr<const v1::Keyframe> part) { tree_part_ = std::move(part); }
  void set_events(std::shared_ptr<const v1::Keyframe> part) { events_part_ = std::move(part); }

  /// Sends a children page (the pager's answer to a forwarded request) to
  /// `viewer`, node set to this node. Caller holds mutex(). False when the
  /// server is stopped or its reply queue is full.
  bool reply(const std::string& viewer, v1::ChildrenPage page);
  /// Forgets requests forwarded to a pager process that is gone (a new one
  /// calls this when it starts), so the in-flight bound cannot leak.
  void reset_requests() { forwarded_ = 0; }

  /// Sends the answer to a process request (protocol 1.3: a page, a
  /// detail, an action's result) that beamscope_inspect served, to
  /// `viewer`, node set to this node; an answer past the protocol's bounds
  /// is replaced by its error answer. Thread-safe (no lock needed).
  bool reply_answer(const std::string& viewer, v1::Envelope answer);
  /// As reset_requests(), for beamscope_inspect.
  void reset_inspect_requests() { inspect_forwarded_ = 0; }
  /// A page by minor GCs was asked for: the sweep reads them (the gc tier)
  /// while this lasts (monotonic us).
  void want_gcs(std::int64_t until_us) { gc_wanted_until_us_ = until_us; }
  std::int64_t gcs_wanted_until() const { return gc_wanted_until_us_.load(); }

  /// Counters (caller holds mutex()).
  AgentCounters counters() const;

  /// How a viewer reaches this agent's stream: the endpoint bound (empty
  /// when it only dials out) and its CURVE public key (empty: plaintext).
  /// Read by the agents of other nodes for a collector's --discover.
  struct StreamIdentity {
    std::string endpoint;
    std::string public_key;
  };
  StreamIdentity stream_identity() const { return identity_; }
  /// The agents of the other nodes of the cluster (beamscope_peers), sent
  /// in AgentStats.peer_agents from the next frame on. Caller holds mutex().
  void set_peer_agents(std::vector<v1::PeerAgent> peers) { peer_agents_ = std::move(peers); }

  /// CPU time the calling thread spent between construction and
  /// destruction, added to thread_cpu_us: a dirty NIF's own cost. Its wall
  /// time would also count the wait for a dirty scheduler and the way back,
  /// which on a loaded host is many times the work (use this, not a clock
  /// around the call, to charge it to the budget).
  class DirtyCpuMeter {
   public:
    explicit DirtyCpuMeter(AgentState& s) : s_(s), start_ns_(thread_cpu_ns()) {}
    ~DirtyCpuMeter() { s_.dirty_cpu_ns_ += thread_cpu_ns() - start_ns_; }
    DirtyCpuMeter(const DirtyCpuMeter&) = delete;
    DirtyCpuMeter& operator=(const DirtyCpuMeter&) = delete;

   private:
    AgentState& s_;
    std::uint64_t start_ns_;
  };

  std::shared_ptr<const v1::Keyframe> latest() { return snapshot_->get(); }
  const HistoryRing& history() const { return *history_; }

  AgentState(const AgentState&) = delete;
  AgentState& operator=(const AgentState&) = delete;

 private:
  StreamIdentity identity_;
  std::vector<v1::PeerAgent> peer_agents_;
  std::uint64_t memory_estimate() const;
  std::optional<std::string> dial_out_targets(std::vector<transport::DialOutTarget>& out) const;
  // The stream server's request handler (its I/O thread): never blocks.
  void forward_request(const std::string& viewer, const v1::Envelope& request);
  void refuse(const std::string& viewer, const v1::ChildrenRequest& request, const std::string& error);
  void forward_inspect(const std::string& viewer, const std::string& viewer_key, const v1::Envelope& request);
  void refuse_inspect(const std::string& viewer, const v1::Envelope& request, const std::string& error);
  void answer_history(const std::string& viewer, const v1::Envelope& request, const std::string& node);

  AgentConfig config_;
  std::mutex mu_;
  Sweep sweep_;
  HotHistory hot_;
  std::unique_ptr<transport::StreamServer> server_;
  // What the I/O thread may use: set once server_ runs, cleared before it
  // stops (server_ itself is guarded by mu_, which the I/O thread never takes).
  std::atomic<transport::StreamServer*> live_server_{nullptr};
  std::atomic<int> forwarded_{0};  // requests handed to the pager, not answered yet
  std::atomic<int> inspect_forwarded_{0};  // process requests handed to beamscope_inspect
  std::atomic<std::int64_t> gc_wanted_until_us_{0};
  std::atomic<std::uint64_t> dirty_cpu_ns_{0};  // see DirtyCpuMeter
  std::unique_ptr<prometheus::Exposer> exposer_;
  // The exposer only keeps a weak_ptr to what it serves: we own it.
  std::shared_ptr<prometheus::Collectable> collectable_;
  std::shared_ptr<SnapshotBox> snapshot_;
  // Shared with the stream server's history provider (its I/O thread).
  std::shared_ptr<HistoryRing> history_;
  std::shared_ptr<const v1::Keyframe> last_sent_;  // base of the next delta
  std::shared_ptr<const v1::Keyframe> tree_part_;    // tree + tree_stats
  std::shared_ptr<const v1::Keyframe> events_part_;  // events + monitor
  bool need_keyframe_ = true;
  protocol::AlertRules alert_rules_;
  std::string node_;
  AgentCounters counters_;
};

}  // namespace beamscope::agent
