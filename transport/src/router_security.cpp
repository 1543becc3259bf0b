#include "router_security.hpp"

#include <set>

#include "beamscope/transport/curve_keys.hpp"
#include "beamscope/transport/socket_presets.hpp"

namespace beamscope::transport {

void apply_router_presets(zmq::socket_t& router, int send_hwm, int recv_hwm, std::int64_t max_message_bytes) {
  // No ZMTP heartbeats: libzmq 4.3.4 (Debian 12) aborts the process
  // ("!_io_error", stream_engine_base.cpp:331) when a connection whose
  // inbound queue was full (a flood, or the owning thread busy) gets its
  // next PING timer after it failed. It aborted the host VM under a flood
  // of 1,000 sockets at 200k processes. Peers send heartbeats of their own,
  // and the owner closes one silent too long.
  apply_presets(router, SocketPresets{.send_hwm = send_hwm,
                                      .recv_hwm = recv_hwm,
                                      .heartbeat_ivl_ms = 0,
                                      .heartbeat_timeout_ms = 0,
                                      .max_message_bytes = max_message_bytes});
  router.set(zmq::sockopt::router_mandatory, 1);
  router.set(zmq::sockopt::handshake_ivl, 5000);
}

std::optional<std::string> secure_router(zmq::context_t& ctx, zmq::socket_t& router, const std::string& endpoint,
                                         const ServerSecurity& security, const WarningSink& warn,
                                         const std::string& peer_kind, RouterSecurity& out) {
  if (auto err = check_bind_security(endpoint, security)) return err;
  if (security.secret_key_file.empty()) {
    if (!security.authorized_keys_file.empty())
      return "an authorized keys file (" + security.authorized_keys_file + ") needs a secret key file too";
    // A ZAP domain makes libzmq refuse ZMTP 1.0/2.0 peers (any bytes not
    // starting 0xFF): libzmq 4.3.4 aborts the process when one finishes its
    // greeting while the socket closes (zmtp_engine.cpp:446). No ZAP handler
    // is bound, so plaintext peers are let in.
    router.set(zmq::sockopt::zap_domain, "beamscope");
    return std::nullopt;
  }
  std::string secret;
  if (auto err = read_secret_key_file(security.secret_key_file, secret)) return err;
  if (!security.authorized_keys_file.empty()) {
    std::set<std::string> keys;
    if (auto err = read_authorized_keys_file(security.authorized_keys_file, keys)) return err;
    out.zap = std::make_unique<ZapHandler>(ctx, security.authorized_keys_file, std::move(keys), warn, peer_kind);
  }
  router.set(zmq::sockopt::curve_server, 1);
  router.set(zmq::sockopt::curve_secretkey, secret);
  out.curve = true;
  return std::nullopt;
}

}  // namespace beamscope::transport
