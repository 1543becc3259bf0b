// The HTTP side of /metrics, shared by the agent and the collector: a
// prometheus-cpp Exposer built from our options (listen address, threads,
// optional HTTP basic auth, optional TLS). Both programs get the same
// behaviour and the same error messages, and the same bounds: several
// workers and a request deadline, so a client that connects and stalls
// holds one worker for at most that deadline and never blocks a scrape.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace prometheus {
class Exposer;
}

namespace beamscope::exporters {

/// Default workers of /metrics (agent and collector).
inline constexpr std::size_t kMetricsHttpThreads = 4;
/// Default request deadline: a scraper sends its request in one packet;
/// 2 s still covers one lost packet (TCP's first retransmit is at 1 s).
inline constexpr int kMetricsHttpRequestTimeoutMs = 2000;

/// Where and how /metrics is served. Off-by-default extras: auth and TLS.
struct MetricsHttpOptions {
  std::string listen;              ///< HOST:PORT, e.g. 127.0.0.1:9754 (port 0: any)
  /// civetweb worker threads: each serves one connection at a time, so
  /// up to threads - 1 stalled clients cost a scrape nothing.
  std::size_t threads = kMetricsHttpThreads;
  /// Deadline for a client to send its whole request (and for a response
  /// to be written); a stalled client is dropped after it. With more
  /// stalled clients than workers, a scrape waits at most
  /// ceil(stalled / threads) deadlines.
  int request_timeout_ms = kMetricsHttpRequestTimeoutMs;
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

/// For stopping: shuts down (never closes) every connection this process
/// accepted on TCP port `port` (sockets whose local port it is and that have
/// a peer), so workers blocked on stalled clients return at once instead of
/// at their request deadline. Call it repeatedly while the Exposer is being
/// destroyed: workers may pick up queued connections in the meantime.
/// Returns how many it shut down. Linux (/proc/self/fd); 0 elsewhere.
int shutdown_accepted_connections(int port);

}  // namespace beamscope::exporters
