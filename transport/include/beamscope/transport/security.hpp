// Who may read a stream: the CURVE settings of a stream server (agent,
// collector) and of a viewer (inspector, ctl, collector), the rule that
// refuses a plaintext stream off loopback, and the sentences a viewer shows
// when a server refuses it. Key files: curve_keys.hpp.
#pragma once

#include <optional>
#include <string>

#include "beamscope.pb.h"
#include "beamscope/transport/curve_keys.hpp"

namespace zmq {
class socket_t;
}

namespace beamscope::transport {

/// A stream server's CURVE settings, as given by the user (file paths).
struct ServerSecurity {
  std::string secret_key_file;       ///< empty: plaintext
  std::string authorized_keys_file;  ///< empty: any viewer that has the server's public key
  bool insecure_remote = false;      ///< allow plaintext off loopback
  /// How this program's user fixes a refusal, appended to the error
  /// ("set stream_secret_key_file, or stream_insecure_remote true").
  std::string hint;
};

/// The bind rule: plaintext is allowed on loopback (and ipc/inproc), and
/// off loopback only when insecure_remote says so. The error, or nullopt.
std::optional<std::string> check_bind_security(const std::string& endpoint, const ServerSecurity& security);

/// True when `endpoint` would serve plaintext to other machines (a warning
/// is due at every start).
bool is_plaintext_remote(const std::string& endpoint, const ServerSecurity& security);

/// A viewer's CURVE settings, loaded: empty server_public_key = plaintext.
struct ClientSecurity {
  std::string server_public_key;  ///< Z85
  CurveKeyPair own;               ///< the viewer's pair (ephemeral when no --key was given)
  bool enabled() const { return !server_public_key.empty(); }
};

/// Loads --server-public-key FILE and --key FILE (the viewer's .secret; its
/// public half is derived). Both empty: plaintext. --key without a server
/// key is an error; a server key without --key uses a fresh pair (enough
/// for a server without an authorized-keys file).
std::optional<std::string> load_client_security(const std::string& server_key_file, const std::string& key_file,
                                                ClientSecurity& out);

/// Sets the CURVE client options on a socket before it connects.
void apply_client_security(zmq::socket_t& socket, const ClientSecurity& security);

/// The sentence a viewer shows for a failed handshake with `endpoint`
/// (a ZMQ_EVENT_HANDSHAKE_FAILED_* event and its value), or nullopt when
/// the event is no refusal (a connection that merely dropped).
std::optional<std::string> refusal_message(const std::string& endpoint, int event, int value,
                                           const ClientSecurity& security);

/// The sentence a viewer shows for a server's Refused answer (too many
/// viewers, a misbehaving peer): "tcp://...: refused this viewer: ... (reason)".
std::string refused_message(const std::string& endpoint, const v1::Refused& refused);

}  // namespace beamscope::transport
