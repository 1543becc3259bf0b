// User-given endpoints are checked before ZeroMQ sees them, so a typo gets a
// sentence instead of "Invalid argument".
#include "beamscope/transport/endpoint.hpp"

#include <charconv>

namespace beamscope::transport {
namespace {

std::optional<std::string> check_tcp(const std::string& endpoint, const std::string& rest, bool for_bind) {
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return endpoint + ": expected tcp://HOST:PORT";
  const std::string port = rest.substr(colon + 1);
  if (port == "*") {
    if (for_bind) return std::nullopt;
    return endpoint + ": port '*' is only valid when binding";
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || ptr != port.data() + port.size() || value == 0 || value > 65535)
    return endpoint + ": port must be 1..65535, got '" + port + "'";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_endpoint(const std::string& endpoint, bool for_bind) {
  const auto sep = endpoint.find("://");
  if (endpoint.empty()) return std::string("empty endpoint; expected e.g. tcp://127.0.0.1:9755");
  if (sep == std::string::npos) return endpoint + ": missing scheme; expected e.g. tcp://127.0.0.1:9755";
  const std::string scheme = endpoint.substr(0, sep);
  const std::string rest = endpoint.substr(sep + 3);
  if (rest.empty()) return endpoint + ": missing address after '://'";
  if (scheme == "tcp") return check_tcp(endpoint, rest, for_bind);
  if (scheme == "ipc" || scheme == "inproc") return std::nullopt;
  return endpoint + ": unsupported scheme '" + scheme + "' (use tcp, ipc or inproc)";
}

bool is_loopback(const std::string& endpoint) {
  const std::string prefix = "tcp://";
  if (endpoint.rfind(prefix, 0) != 0) return endpoint.rfind("ipc://", 0) == 0 || endpoint.rfind("inproc://", 0) == 0;
  const std::string host = endpoint.substr(prefix.size(), endpoint.rfind(':') - prefix.size());
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" || host == "::1";
}

}  // namespace beamscope::transport
