// Exposer construction with auth and TLS (see metrics_http.hpp).
#include "beamscope/exporters/metrics_http.hpp"

#include <dlfcn.h>

#include <fstream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <prometheus/exposer.h>

namespace beamscope::exporters {

namespace {

// Compares without an early exit, so the time of a refused login does not
// tell how many leading characters were right.
bool same_secret(std::string_view given, std::string_view expected) {
  unsigned diff = given.size() ^ expected.size();
  for (std::size_t i = 0; i < given.size(); ++i) {
    const char e = i < expected.size() ? expected[i] : '\0';
    diff |= static_cast<unsigned char>(given[i] ^ e);
  }
  return diff == 0;
}

}  // namespace

std::optional<std::string> read_auth_file(const std::string& path, MetricsHttpOptions& opts) {
  std::ifstream in(path);
  if (!in) return path + ": cannot read the auth file";
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const auto colon = line.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == line.size())
    return path + ": expected one line user:password";
  opts.auth_user = line.substr(0, colon);
  opts.auth_password = line.substr(colon + 1);
  return std::nullopt;
}

std::optional<std::string> tls_unavailable() {
  // civetweb loads OpenSSL itself, by these names, when the first TLS port
  // starts; probe the same libraries for the symbol it cannot do without.
  void* ssl = dlopen("libssl.so", RTLD_LAZY | RTLD_LOCAL);
  if (!ssl) return std::string("civetweb needs libssl.so (Debian: libssl-dev) to serve TLS");
  const bool has = dlsym(ssl, "SSL_get_peer_certificate") != nullptr;
  dlclose(ssl);
  if (!has) {
    return std::string(
        "the system civetweb calls SSL_get_peer_certificate, which this OpenSSL (3.x) no longer exports; "
        "it would crash on the first TLS connection. Terminate TLS in a proxy (or build civetweb for OpenSSL 3)");
  }
  return std::nullopt;
}

std::unique_ptr<prometheus::Exposer> start_metrics_http(const MetricsHttpOptions& opts) {
  std::vector<std::string> civet{"listening_ports", opts.listen, "num_threads", std::to_string(opts.threads ? opts.threads : 1)};
  if (!opts.tls_pem.empty()) {
    if (auto why = tls_unavailable()) throw std::runtime_error("TLS unavailable: " + *why);
    if (!std::ifstream(opts.tls_pem)) throw std::runtime_error(opts.tls_pem + ": cannot read the TLS PEM file");
    civet[1] += "s";     // civetweb: a trailing 's' makes the port TLS
    civet.insert(civet.end(), {"ssl_certificate", opts.tls_pem});
  }
  auto exposer = std::make_unique<prometheus::Exposer>(std::move(civet));
  if (!opts.auth_user.empty()) {
    // Registered for /metrics before any collectable: no request is ever
    // served without the check. civetweb answers 401 with a challenge.
    exposer->RegisterAuth(
        [user = opts.auth_user, password = opts.auth_password](const std::string& u, const std::string& p) {
          const bool user_ok = same_secret(u, user);
          const bool password_ok = same_secret(p, password);
          return user_ok && password_ok;
        },
        "beamscope");
  }
  return exposer;
}

}  // namespace beamscope::exporters
