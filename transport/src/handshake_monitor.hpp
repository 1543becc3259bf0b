// Handshake events of one socket (libzmq's socket monitor, over a PAIR on
// inproc), read by the thread that owns the socket. The stream server
// counts failed handshakes with it; viewers tell a refusal from silence.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include <zmq.hpp>

namespace beamscope::transport {

struct HandshakeEvent {
  int event = 0;  ///< ZMQ_EVENT_*
  int value = 0;  ///< ZMQ_PROTOCOL_ERROR_* or the ZAP status code
};

class HandshakeMonitor {
 public:
  /// Handshake success and failures.
  static constexpr int kHandshakeEvents = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                                          ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;

  /// Watches `watched` (same context) for `events` (ZMQ_EVENT_* bits).
  HandshakeMonitor(zmq::context_t& ctx, zmq::socket_t& watched, int events = kHandshakeEvents);

  /// The PAIR socket to poll for ZMQ_POLLIN.
  zmq::socket_t& socket() { return pair_; }

  /// Events received since the last call (at most 256 a call).
  std::vector<HandshakeEvent> drain();

 private:
  zmq::socket_t pair_;
};

}  // namespace beamscope::transport
