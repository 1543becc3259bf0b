// The HTTP side of /metrics, shared by the agent and the collector: a
// prometheus-cpp Exposer built from our options (listen address, threads,
// optional HTTP basic auth, optional TLS). Both programs get the same
// behaviour and the same error messages.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace prometheus {
class Exposer;
}

namespace beamscope::exporters {

/// Where and how /metrics is served. Off-by-default extras: auth and TLS.
struct MetricsHttpOptions {
  std::string listen;              ///< HOST:PORT, e.g. 127.0.0.1:9754 (port 0: any)
  std::size_t threads = 1;         ///< civetweb worker threads
  std::string auth_user;           ///< empty: no authentication
  std::string auth_password;
  std::string tls_pem;             ///< empty: plain HTTP; else one PEM file, key + certificate
};

/// Reads basic-auth credentials from a file holding one line `user:password`
/// (so the password stays out of configuration and process listings).
/// Returns an error text, or nullopt and fills `opts`.
std::optional<std::string> read_auth_file(const std::string& path, MetricsHttpOptions& opts);

/// Why TLS cannot be served by the HTTP library this program is linked
/// with, or nullopt when it can. Checked before a TLS listener is started:
/// Debian 12's civetweb 1.15 looks up SSL_get_peer_certificate, which
/// OpenSSL 3 no longer exports, and calls the null pointer on the first
/// TLS connection (a crash of the whole process, in the agent the user's VM).
std::optional<std::string> tls_unavailable();

/// Starts the HTTP server; throws std::runtime_error naming the listen
/// address (port in use, bad address, bad certificate, TLS unavailable).
///   MetricsHttpOptions o{"127.0.0.1:9754"};
///   auto exposer = start_metrics_http(o);
///   exposer->RegisterCollectable(collectable);
std::unique_ptr<prometheus::Exposer> start_metrics_http(const MetricsHttpOptions& opts);

}  // namespace beamscope::exporters
