// Exposer construction with auth and TLS (see metrics_http.hpp).
#include "beamscope/exporters/metrics_http.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>

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
  // civetweb 1.15 (Debian 12): request_timeout_ms bounds the whole request
  // (a client dripping one byte at a time is dropped at the deadline too)
  // and each write; keep-alive off, so no idle connection holds a worker
  // after its response.
  std::vector<std::string> civet{"listening_ports", opts.listen,
                                 "num_threads", std::to_string(opts.threads ? opts.threads : 1),
                                 "request_timeout_ms", std::to_string(opts.request_timeout_ms > 0 ? opts.request_timeout_ms : kMetricsHttpRequestTimeoutMs),
                                 "enable_keep_alive", "no"};
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

int shutdown_accepted_connections(int port) {
  if (port <= 0) return 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return 0;
  int done = 0;
  const int own = ::dirfd(dir);
  while (const dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == own) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    int local_port = 0;
    if (local.ss_family == AF_INET) local_port = ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
    else if (local.ss_family == AF_INET6) local_port = ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
    if (local_port != port) continue;
    // The listener has no peer and is left alone; a connection this process
    // made to the port has an ephemeral local port and never gets here.
    if (::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    if (::shutdown(static_cast<int>(fd), SHUT_RDWR) == 0) ++done;
  }
  ::closedir(dir);
  return done;
}

}  // namespace beamscope::exporters
