// CURVE key files, read and written the same way by every program (agent,
// collector, inspector, ctl): one Z85 key a line, secret files readable by
// their owner only, authorized-keys files like SSH's (one key a line, #
// comments). Every error names the file and, where it helps, the line.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace beamscope::transport {

/// Length of a Z85-encoded 32-byte CURVE key.
inline constexpr std::size_t kZ85KeyLength = 40;

struct CurveKeyPair {
  std::string public_key;  ///< Z85, 40 characters
  std::string secret_key;  ///< Z85, 40 characters
};

/// A new random key pair (libzmq's zmq_curve_keypair).
CurveKeyPair generate_curve_keypair();

/// Why `key` is not a Z85 CURVE key (length, alphabet), or nullopt.
std::optional<std::string> check_z85_key(std::string_view key);

/// The public half of a valid Z85 secret key.
std::string derive_public_key(const std::string& secret_key);

/// Reads a secret key file: refused when group or others may read it (as
/// ssh does), when missing, or when its first non-comment line is not a
/// key. Returns the error ("FILE: permissions 0644 are too open ..."), or
/// nullopt with `key` set.
std::optional<std::string> read_secret_key_file(const std::string& path, std::string& key);

/// Reads a public key file (one Z85 key, e.g. written by keygen as PATH.pub).
std::optional<std::string> read_public_key_file(const std::string& path, std::string& key);

/// Parses an authorized-keys text: one Z85 public key a line; blank lines
/// and lines starting with '#' are skipped; anything after the key on its
/// line (a comment naming the viewer) is ignored. `source` names the text
/// in errors ("keys.txt:3: ...").
std::optional<std::string> parse_authorized_keys(std::string_view text, const std::string& source,
                                                 std::set<std::string>& keys);

/// Reads and parses an authorized-keys file.
std::optional<std::string> read_authorized_keys_file(const std::string& path, std::set<std::string>& keys);

/// Writes PATH.pub and PATH.secret (mode 0600) for a new pair; refuses to
/// overwrite either. `pair` receives the keys written.
std::optional<std::string> write_keypair_files(const std::string& path, CurveKeyPair& pair);

}  // namespace beamscope::transport
