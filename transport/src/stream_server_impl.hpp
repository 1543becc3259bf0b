// The stream server's insides, shared by stream_server.cpp (lifecycle,
// publishing, Hellos) and stream_peers.cpp (connections and peers: the cap,
// refusals, silent, misbehaving and slow peers). Private to transport.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "beamscope/transport/stream_server.hpp"
#include "context_threads.hpp"
#include "dial_out.hpp"
#include "handshake_monitor.hpp"
#include "stream_peers.hpp"
#include "zap_handler.hpp"

namespace beamscope::transport {

using Clock = PeerClock;
using protocol::Envelope;

namespace server_limits {
// Without an eventfd the thread falls back to polling this often.
constexpr auto kPollInterval = std::chrono::milliseconds(10);
constexpr auto kHeartbeatInterval = std::chrono::milliseconds(1000);
// A refused peer gets this long to read its Refused answer; a connection
// over the cap that says nothing is closed after kRefuseSilentAfter.
constexpr auto kRefuseGrace = std::chrono::milliseconds(100);
constexpr auto kRefuseSilentAfter = std::chrono::milliseconds(1000);
// Inbound messages queued per peer inside libzmq (each at most
// max_message_bytes) before libzmq stops reading that connection.
constexpr int kRecvHwm = 16;
// However much the server's threads spend (a flood of garbage or of
// connections costs CPU too, and so takes the CPU bound's credit), the
// longest-waiting Hello is answered at least this often: a flood can slow
// viewers down, never lock them out.
constexpr auto kHelloFloorInterval = std::chrono::milliseconds(100);
constexpr int kMonitorEvents = HandshakeMonitor::kHandshakeEvents | ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED;
}  // namespace server_limits

struct StreamServer::Impl {
  explicit Impl(const StreamServerOptions& o) : opts(o), zmq_threads(ctx, o.thread_nice) {}
  StreamServerOptions opts;
  zmq::context_t ctx{1};
  ContextThreads zmq_threads;  // before the first socket: names libzmq's threads
  zmq::socket_t router{ctx, zmq::socket_type::router};
  // CURVE only: the ZAP handler (authorized keys). The monitor (handshakes,
  // connections) is always there.
  std::unique_ptr<ZapHandler> zap;
  std::unique_ptr<HandshakeMonitor> monitor;
  // Collectors dialled out to, bridged to the ROUTER over inproc; their
  // states copied for stats() under dial_out_mutex.
  std::vector<std::unique_ptr<DialOut>> dial_outs;
  mutable std::mutex dial_out_mutex;
  std::vector<DialOutState> dial_out_states;
  bool curve = false;
  std::atomic<std::uint64_t> auth_refused{0}, handshake_failed{0};
  std::thread thread;
  std::atomic<bool> running{false};
  // publish() and stop() wake the poll through it, so an idle thread sleeps
  // until the next heartbeat instead of waking every few ms.
  int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  std::atomic<std::uint64_t> cpu_ns{0}, zmq_cpu_ns{0};

  std::mutex queue_mutex;
  std::deque<protocol::SharedEnvelope> queue;
  std::deque<std::pair<std::string, Envelope>> replies;  // (viewer, frame)

  // Bounded: connections by the cap (plus refused ones, closed within a
  // second), peers by the connections (or by the cap without descriptors).
  std::unordered_map<int, Connection> connections;  // by descriptor
  std::unordered_map<std::string, Peer> peers;      // by ZeroMQ routing id
  std::size_t served_connections = 0;               // connections not over the cap
  protocol::FleetModel fleet;                       // what was published, for late joiners
  FramePool frames;
  std::map<std::string, zmq::message_t> keyframe_cache;  // by node: the Hello answer, encoded once
  std::set<std::string> stale;                           // nodes whose cache entry is out of date

  std::optional<CpuBound> serve_bound;  // on answering Hellos (serve_cpu_us_per_s)
  Clock::time_point last_floor_answer{}; // a Hello answered over the bound (kHelloFloorInterval)

  // Guards the fleet's changes and its models' snapshots against
  // snapshots(), whose list this thread makes when asked (a /metrics
  // scrape), not at every frame: a copy of every node's processes and tree
  // per frame was a collector's largest cost (bench/ingest).
  mutable std::mutex snapshot_mutex;
  std::condition_variable snapshot_made;
  std::vector<std::shared_ptr<const protocol::Keyframe>> snapshot;
  bool snapshot_stale = false;
  bool snapshot_wanted = false;

  std::atomic<std::uint64_t> published{0}, sent{0}, dropped{0}, requests{0}, disconnects{0};
  std::atomic<std::uint64_t> hellos_answered{0}, hellos_deferred{0}, keyframe_encodes{0}, histories_sent{0};
  std::array<std::atomic<std::uint64_t>, kRejectionKinds> rejected{};
  std::atomic<std::uint32_t> viewer_count{0}, connection_count{0};

  ~Impl() {
    if (wake_fd >= 0) ::close(wake_fd);
  }
  void wake() {
    const std::uint64_t one = 1;
    if (wake_fd >= 0) (void)!::write(wake_fd, &one, sizeof one);
  }
  void count(Rejection r) { rejected[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed); }
  std::chrono::milliseconds wait_until(Clock::time_point due) const;
  void run();
  void watch_connections();
  void forget_connection(int fd);
  void handle_incoming();
  /// True when a collector's message was handed to the ROUTER.
  bool pump_dial_outs(const std::vector<zmq::pollitem_t>& items, std::size_t first);
  void handle_message(std::vector<zmq::message_t>& parts, Clock::time_point now);
  Peer* admit(const std::string& identity, zmq::message_t& body, Clock::time_point now);
  void refuse(const std::string& identity, int fd, Rejection why, const std::string& text, Clock::time_point now);
  void drop(const std::string& identity, Rejection why);
  void handle_hello(const std::string& identity, Peer& peer, bool want_stream, Clock::time_point now);
  /// Every node's state in the server's model (its keyframes' source).
  std::vector<protocol::NodeState> states();
  void send_keyframes(const std::string& identity, const std::vector<protocol::NodeState>& nodes,
                      bool with_history = false);
  void answer_hello(const std::string& identity, Peer& peer, Clock::time_point now);
  void serve_pending(Clock::time_point now);
  void defer_hello(Peer& peer, Clock::time_point now);
  void drain_queue();
  bool send_to(const std::string& identity, zmq::message_t& shared);
  void send_to(const std::string& identity, const std::string& payload);
  void handle_request(const std::string& identity, const std::string& key, const Envelope& env);
  void broadcast(zmq::message_t shared);
  std::uint32_t streaming_viewers() const;  // peers that asked for the stream
  void broadcast_keyframes();
  void heartbeat_and_expire(Clock::time_point now);
  void close_due(Clock::time_point now);
  void account_cpu(Clock::time_point now);
  void make_wanted_snapshot();
  void refresh_snapshot();
  std::optional<std::string> secure(const ServerSecurity& security);
  std::optional<Clock::time_point> next_due(Clock::time_point now) const;
};

}  // namespace beamscope::transport
