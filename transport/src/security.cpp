// The CURVE rules shared by every stream server and viewer (security.hpp).
#include "beamscope/transport/security.hpp"

#include <zmq.hpp>

#include "beamscope/transport/endpoint.hpp"

namespace beamscope::transport {

std::optional<std::string> check_bind_security(const std::string& endpoint, const ServerSecurity& security) {
  if (!is_plaintext_remote(endpoint, security) || security.insecure_remote) return std::nullopt;
  std::string error = endpoint +
                      " is reachable from other machines: refusing to serve it in plaintext (anyone who reaches "
                      "the port would read every process name, crash reason and the supervision tree)";
  if (!security.hint.empty()) error += "; " + security.hint;
  return error;
}

bool is_plaintext_remote(const std::string& endpoint, const ServerSecurity& security) {
  return security.secret_key_file.empty() && !is_loopback(endpoint);
}

std::optional<std::string> load_client_security(const std::string& server_key_file, const std::string& key_file,
                                                ClientSecurity& out) {
  out = {};
  if (server_key_file.empty()) {
    if (!key_file.empty()) return "--key needs --server-public-key (the server's .pub file)";
    return std::nullopt;
  }
  if (auto err = read_public_key_file(server_key_file, out.server_public_key)) return err;
  if (key_file.empty()) {
    out.own = generate_curve_keypair();
    return std::nullopt;
  }
  if (auto err = read_secret_key_file(key_file, out.own.secret_key)) return err;
  out.own.public_key = derive_public_key(out.own.secret_key);
  return std::nullopt;
}

void apply_client_security(zmq::socket_t& socket, const ClientSecurity& security) {
  if (!security.enabled()) return;
  socket.set(zmq::sockopt::curve_serverkey, security.server_public_key);
  socket.set(zmq::sockopt::curve_publickey, security.own.public_key);
  socket.set(zmq::sockopt::curve_secretkey, security.own.secret_key);
}

std::optional<std::string> refusal_message(const std::string& endpoint, int event, int value,
                                           const ClientSecurity& security) {
  const std::string head = "not authorized by " + endpoint + ": ";
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
    return head + "is your public key in its authorized keys file? (yours: " +
           security.own.public_key.substr(0, 8) + "...)";
  if (event != ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) return std::nullopt;
  if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) {
    if (security.enabled())
      return "the server at " + endpoint + " does not use CURVE: connect without --server-public-key and --key";
    return head + "it requires CURVE keys: pass --server-public-key FILE (its .pub) and --key FILE (your .secret)";
  }
  return head + "the CURVE handshake failed: is --server-public-key the server's public key, and is your public "
                "key in its authorized keys file?";
}

std::string refused_message(const std::string& endpoint, const v1::Refused& refused) {
  return endpoint + " refused this viewer: " + refused.message() + " (" + refused.reason() + ")";
}

}  // namespace beamscope::transport
