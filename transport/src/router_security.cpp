#include "router_security.hpp"

#include <set>

#include "beamscope/transport/curve_keys.hpp"

namespace beamscope::transport {

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
