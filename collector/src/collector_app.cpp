// The collector's lifetime: signals, fan-in, HTTP exposer, shutdown order.
#include "beamscope/collector/collector_app.hpp"

#include <csignal>
#include <ctime>
#include <exception>
#include <memory>
#include <stdexcept>

#include <prometheus/exposer.h>
#include <spdlog/spdlog.h>

#include "beamscope/collector/collector_metrics.hpp"
#include "beamscope/collector/fan_in.hpp"
#include "beamscope/exporters/metrics_http.hpp"
#include "beamscope/exporters/node_collectable.hpp"

namespace beamscope::collector {

namespace {

// Blocked in every thread (the mask is inherited by threads started after
// this), so only sigtimedwait() in the main loop ever sees them.
sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

std::unique_ptr<prometheus::Exposer> start_exposer(const CollectorOptions& opts, const FanIn& fan,
                                                   std::vector<std::shared_ptr<prometheus::Collectable>>& keep) {
  if (opts.metrics == "none") return nullptr;
  exporters::MetricsHttpOptions http;
  http.listen = opts.metrics;
  http.tls_pem = opts.metrics_tls_pem;
  if (!opts.metrics_auth_file.empty()) {
    if (auto err = exporters::read_auth_file(opts.metrics_auth_file, http)) throw std::runtime_error(*err);
  }
  auto exposer = exporters::start_metrics_http(http);
  keep.push_back(exporters::make_node_collectable([&fan] { return fan.snapshots(); },
                                                  {.label_node = true, .top_k = opts.top_k}));
  keep.push_back(make_collector_collectable(fan));
  for (const auto& c : keep) exposer->RegisterCollectable(c);
  return exposer;
}

// Logs links whose connected state or refusal changed since the last call.
void log_link_changes(const FanIn& fan, std::vector<bool>& was_connected, std::vector<std::string>& was_refused) {
  const auto stats = fan.stats();
  was_connected.resize(stats.agents.size(), false);
  was_refused.resize(stats.agents.size());
  for (std::size_t i = 0; i < stats.agents.size(); ++i) {
    const auto& a = stats.agents[i];
    if (a.refused != was_refused[i]) {
      was_refused[i] = a.refused;
      if (!a.refused.empty()) spdlog::error("agent {}: {}", a.endpoint, a.refused);
    }
    if (a.connected == was_connected[i]) continue;
    was_connected[i] = a.connected;
    if (a.connected) {
      spdlog::info("agent {} connected", a.endpoint);
    } else {
      spdlog::warn("agent {} silent (frames so far: {} received, {} rejected){}{}", a.endpoint, a.frames_received,
                   a.frames_rejected, a.rejects.total() ? ": " : "", a.rejects.describe(a.endpoint));
    }
  }
}

}  // namespace

int run_collector(const CollectorOptions& opts) {
  spdlog::set_level(spdlog::level::from_str(opts.log_level));
  const sigset_t signals = shutdown_signals();

  std::string error;
  FanInOptions fan_opts;
  fan_opts.agents = opts.agents;
  fan_opts.limits = opts.limits;
  for (std::size_t i = 0; i < opts.agents.size(); ++i) {
    transport::ClientSecurity security;
    const std::string server_key = i < opts.agent_server_keys.size() ? opts.agent_server_keys[i] : "";
    if (auto err = transport::load_client_security(server_key, server_key.empty() ? "" : opts.key_file, security)) {
      spdlog::error("cannot start: --agent {}: {}", opts.agents[i], *err);
      return kExitUsage;
    }
    fan_opts.agent_security.push_back(std::move(security));
  }
  fan_opts.server.endpoint = opts.listen;
  fan_opts.server.security = {.secret_key_file = opts.secret_key_file,
                              .authorized_keys_file = opts.authorized_keys_file,
                              .insecure_remote = opts.insecure_remote,
                              .hint = "give --secret-key FILE (beamscope-ctl keygen PATH), or --insecure-remote"};
  fan_opts.server.on_warning = [](const std::string& text) { spdlog::warn("{}", text); };
  // Many agents share one queue into the server's I/O thread.
  fan_opts.server.queue_limit = 256 * (opts.agents.size() + 1);
  fan_opts.server.max_viewers = opts.max_viewers;
  auto fan = FanIn::start(fan_opts, error);
  if (!fan) {
    spdlog::error("cannot start: {}", error);
    return kExitStartFailed;
  }

  // Declared after `fan`, so destroyed before it: no scrape can reach a
  // stopped fan-in.
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables;
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = start_exposer(opts, *fan, collectables);
  } catch (const std::exception& e) {
    spdlog::error("cannot serve /metrics on {} (port in use, not a local address, or bad auth/TLS files): {}",
                  opts.metrics, e.what());
    return kExitStartFailed;
  }

  spdlog::info("serving viewers on {}{}", fan->listen_endpoint(),
               fan->stats().server.curve ? " (CURVE)" : "");
  if (transport::is_plaintext_remote(opts.listen, fan_opts.server.security))
    spdlog::warn("viewers' stream {} is PLAINTEXT to other machines (--insecure-remote)", opts.listen);
  if (exposer) {
    const auto ports = exposer->GetListeningPorts();
    spdlog::info("serving fleet /metrics on {} (port {})", opts.metrics, ports.empty() ? 0 : ports.front());
  }
  for (const auto& agent : opts.agents) spdlog::info("following agent {}", agent);
  spdlog::info("keeping at most {} nodes; per node {} processes, {} tree entries, {} events",
               opts.limits.max_nodes, opts.limits.max_processes, opts.limits.max_tree_entries, opts.limits.max_events);

  std::vector<bool> was_connected;
  std::vector<std::string> was_refused;
  const timespec tick{1, 0};
  for (;;) {
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) {
      spdlog::info("{} received, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    log_link_changes(*fan, was_connected, was_refused);
  }
  exposer.reset();
  spdlog::debug("/metrics stopped");
  fan->stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace beamscope::collector
