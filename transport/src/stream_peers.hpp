// What the stream server keeps per connection and per peer, the frames it
// shares between viewers, the CPU bound on Hellos. stream_peers.cpp also
// holds the server's peer policy (the cap, refusals, silent, misbehaving
// and slow peers). Owned by the server's I/O thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <zmq.hpp>

namespace beamscope::transport {

using PeerClock = std::chrono::steady_clock;

/// One TCP (or IPC) connection, as the socket monitor reports it.
struct Connection {
  PeerClock::time_point accepted{};
  std::string identity;            // set by its first message
  bool over_cap = false;           // accepted past max_viewers: refused at its first message
  std::optional<PeerClock::time_point> close_at;  // told Refused: shut down then
  std::optional<PeerClock::time_point> shut;      // shut down then: its DISCONNECTED event is due
};

/// A peer that sent a valid message (its ZeroMQ routing id).
struct Peer {
  int fd = -1;                     // its connection; -1 on transports without one (inproc)
  PeerClock::time_point last_seen{};
  PeerClock::time_point last_hello{};  // last Hello answered
  bool hello_pending = false;      // a Hello waits (rate or CPU bound)
  PeerClock::time_point pending_since{};  // since when (answered oldest first)
  bool want_stream = false;        // the pending Hello asked for the stream
  bool streaming = false;
  int bad_frames = 0;
  std::optional<PeerClock::time_point> full_since;  // its queue refused a frame since then
};

/// A token bucket of CPU time: credit accrues at `rate` us a second, at
/// most one second's worth, and the threads' CPU time is taken off it.
class CpuBound {
 public:
  explicit CpuBound(std::uint64_t rate_us_per_s) : rate_(static_cast<double>(rate_us_per_s)) {}
  /// `total_ns`: the threads' CPU time so far (monotonic).
  void update(PeerClock::time_point now, std::uint64_t total_ns);
  /// True when unbounded (rate 0) or in credit.
  bool allows() const { return rate_ == 0 || credit_us_ > 0; }
  /// Time until allows() holds again (zero when it does).
  std::chrono::microseconds until_allowed() const;

 private:
  double rate_;
  double credit_us_ = 0;
  std::uint64_t charged_ns_ = 0;
  bool started_ = false;
  PeerClock::time_point at_{};
};

/// Outbound frames whose bytes are shared by every viewer they go to
/// (zmq_msg_copy shares the buffer) and counted while anything holds them:
/// the cache, or a viewer's queue inside libzmq.
class FramePool {
 public:
  FramePool() : live_(std::make_shared<std::atomic<std::uint64_t>>(0)) {}
  zmq::message_t make(std::string bytes);
  /// Bytes of the frames alive right now.
  std::uint64_t live_bytes() const { return live_->load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<std::atomic<std::uint64_t>> live_;
};

/// Closes a connection libzmq owns: shutdown() makes its engine see the end
/// of the stream and close the descriptor itself (never close() it here).
void shut_down_connection(int fd);

/// The ZeroMQ descriptor a received message came from (-1: none).
int source_fd(zmq::message_t& msg);

}  // namespace beamscope::transport
