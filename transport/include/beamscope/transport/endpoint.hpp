// Parsing and validation of ZeroMQ endpoint strings given by users.
#pragma once

#include <optional>
#include <string>

namespace beamscope::transport {

/// Checks "tcp://HOST:PORT", "ipc://PATH" or "inproc://NAME" (PORT may be
/// "*" only when binding). Returns an error message, or nullopt when valid.
///   if (auto err = check_endpoint(text, /*for_bind=*/false)) die(*err);
std::optional<std::string> check_endpoint(const std::string& endpoint, bool for_bind);

/// True when the endpoint is tcp on a loopback address (no CURVE needed).
bool is_loopback(const std::string& endpoint);

}  // namespace beamscope::transport
