// The security of a bound ROUTER (a stream server's, a DialInListener's):
// the bind rule, CURVE server keys, and the ZAP handler of an authorized
// keys file. Private to transport.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "beamscope/transport/security.hpp"
#include "zap_handler.hpp"

namespace beamscope::transport {

/// The options of every ROUTER that serves peers (a stream server's, a
/// DialInListener's): the HWMs and inbound message bound given, no ZMTP
/// PINGs, unroutable or full peers reported (EHOSTUNREACH / EAGAIN) rather
/// than dropped silently, and a TCP peer that never completes its greeting
/// closed after 5 s.
void apply_router_presets(zmq::socket_t& router, int send_hwm, int recv_hwm, std::int64_t max_message_bytes);

/// What secure_router() set up; `zap` lives as long as the socket.
struct RouterSecurity {
  std::unique_ptr<ZapHandler> zap;  ///< set with an authorized keys file
  bool curve = false;
};

/// Before the bind: a CURVE server must never accept a plaintext handshake,
/// and the ZAP handler must be there before the first peer arrives.
/// `peer_kind` names the peers in warnings ("viewer", "agent"). The error
/// (endpoint off loopback in plaintext, unreadable key files), or nullopt.
std::optional<std::string> secure_router(zmq::context_t& ctx, zmq::socket_t& router, const std::string& endpoint,
                                         const ServerSecurity& security, const WarningSink& warn,
                                         const std::string& peer_kind, RouterSecurity& out);

}  // namespace beamscope::transport
