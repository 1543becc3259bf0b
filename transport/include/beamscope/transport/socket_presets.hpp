// Socket options every beamscope socket gets: linger 0 (never hang a host
// process on shutdown), small high-water marks, and no ZMTP PINGs: libzmq
// 4.3.4 (Debian 12) aborts the process ("!_io_error",
// stream_engine_base.cpp:331) when a connection whose inbound queue was full
// gets its next PING timer after it failed, so a peer flooding a viewer (a
// hostile "agent" a collector follows) could abort it. Dead or silent peers
// are noticed from the application's own heartbeats instead: a server sends
// one every second and closes a viewer silent 10 s; a StreamClient silent
// 3 s makes its socket anew (stream_client.cpp).
#pragma once

#include <cstdint>

#include <zmq.hpp>

namespace beamscope::transport {

struct SocketPresets {
  int send_hwm = 1000;           // frames queued per peer before dropping
  int recv_hwm = 1000;
  int heartbeat_ivl_ms = 0;      // ZMTP PING interval: none (see above)
  int heartbeat_timeout_ms = 0;  // also ZMQ_HEARTBEAT_TTL asked of the peer
  /// Inbound messages over this size close the connection before they are
  /// assembled (ZMQ_MAXMSGSIZE). Viewers take keyframes (up to 8 MiB); the
  /// stream server takes requests only and sets 64 KiB.
  std::int64_t max_message_bytes = std::int64_t{64} << 20;
};

/// Applies linger 0, the HWMs, the ZMTP heartbeat options and maxmsgsize to `s`.
void apply_presets(zmq::socket_t& s, const SocketPresets& p = {});

}  // namespace beamscope::transport
