// Socket options every beamscope socket gets: linger 0 (never hang a host
// process on shutdown), small high-water marks, ZMTP heartbeats (not on the
// stream server's socket: see stream_server.cpp).
#pragma once

#include <cstdint>

#include <zmq.hpp>

namespace beamscope::transport {

struct SocketPresets {
  int send_hwm = 1000;           // frames queued per peer before dropping
  int recv_hwm = 1000;
  int heartbeat_ivl_ms = 1000;   // ZMTP PING interval
  int heartbeat_timeout_ms = 5000;
  /// Inbound messages over this size close the connection before they are
  /// assembled (ZMQ_MAXMSGSIZE). Viewers take keyframes (up to 8 MiB); the
  /// stream server takes requests only and sets 64 KiB.
  std::int64_t max_message_bytes = std::int64_t{64} << 20;
};

/// Applies linger 0, the HWMs and heartbeats to `s`.
void apply_presets(zmq::socket_t& s, const SocketPresets& p = {});

}  // namespace beamscope::transport
