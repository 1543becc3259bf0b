// One collector the stream server dials (the agent's collector_endpoints):
// a DEALER out to the collector, firewall-friendly (the agent needs no
// inbound port), and a DEALER in to the server's own ROUTER over inproc.
// Whatever the collector sends reaches the server as a viewer's message;
// whatever the server sends that viewer goes back out. The server's rules
// (Hello rate, CPU bound, silence, slow viewers) apply to it unchanged.
//
// A collector cannot speak first to a connection it did not open, so the
// bridge announces itself (an Announce frame) once each connection's
// handshake completes, and every second while the collector has said
// nothing for kAnnounceAfterSilence (a restarted collector, a lost frame).
// Runs on the server's I/O thread; never blocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "beamscope/transport/retry_backoff.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "viewer_socket.hpp"

namespace beamscope::transport {

class DialOut {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kAnnounceAfterSilence = std::chrono::milliseconds(3000);
  static constexpr auto kAnnounceInterval = std::chrono::milliseconds(1000);
  // An Announce owed to a new connection whose send found no pipe yet.
  static constexpr auto kAnnounceRetry = std::chrono::milliseconds(100);

  /// Connects both sockets (libzmq connects in the background and
  /// reconnects by itself). nullptr and `error` set for a bad endpoint.
  static std::unique_ptr<DialOut> start(zmq::context_t& ctx, const DialOutTarget& target,
                                        const std::string& server_inproc, std::string& error);

  /// Appends the sockets to poll for ZMQ_POLLIN; pump() reads their revents
  /// from items[first ...].
  void add_poll_items(std::vector<zmq::pollitem_t>& items);
  static constexpr std::size_t kPollItems = 3;

  /// Relays what waits both ways (bounded batches), announces when due and
  /// remakes a socket the collector refused (RetryBackoff). `warn` gets a
  /// refusal's sentence once a minute at most. True when a message from
  /// the collector was handed to the server.
  bool pump(const zmq::pollitem_t* items, Clock::time_point now, const std::function<void(const std::string&)>& warn);

  DialOutState state() const;

 private:
  DialOut(zmq::context_t& ctx, DialOutTarget target, std::string server_inproc);
  bool connect_out(std::string& error);
  bool relay_in(Clock::time_point now);
  void relay_out();
  void announce(Clock::time_point now);

  zmq::context_t& ctx_;
  DialOutTarget target_;
  std::string server_inproc_;
  std::string routing_id_;             // ours at the collector, kept across reconnections
  std::unique_ptr<ViewerSocket> out_;  // to the collector
  zmq::socket_t in_;                   // to the server's ROUTER
  RetryBackoff retry_;
  bool handshaken_ = false;             // the current connection completed its handshake
  std::uint64_t handshakes_seen_ = 0;   // of out_'s handshakes, those counted in state_.connections
  bool announce_owed_ = false;          // announce as soon as a send can go
  Clock::time_point last_heard_{};      // from the collector
  Clock::time_point last_announce_{};
  Clock::time_point last_warning_{};
  std::string refusal_;
  DialOutState state_;
};

}  // namespace beamscope::transport
