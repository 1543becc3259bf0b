// The collector's lifetime: signals, fan-in, HTTP exposer, shutdown order.
#include "beamscope/collector/collector_app.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <ctime>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <thread>

#include <sys/resource.h>

#include <prometheus/exposer.h>
#include <spdlog/spdlog.h>

#include "beamscope/collector/agents_file.hpp"
#include "beamscope/collector/collector_metrics.hpp"
#include "beamscope/collector/dial_in.hpp"
#include "beamscope/collector/discovery.hpp"
#include "beamscope/collector/fan_in.hpp"
#include "beamscope/collector/history_restore.hpp"
#include "beamscope/collector/recorder.hpp"
#include "beamscope/exporters/metrics_http.hpp"
#include "beamscope/exporters/node_collectable.hpp"
#include "beamscope/protocol/framing.hpp"

namespace beamscope::collector {

namespace {

// Blocked in every thread (the mask is inherited by threads started after
// this), so only sigtimedwait() in the main loop ever sees them.
sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

std::unique_ptr<prometheus::Exposer> start_exposer(const CollectorOptions& opts, const FanIn& fan,
                                                   std::vector<std::shared_ptr<prometheus::Collectable>>& keep,
                                                   const Recorder* recorder,
                                                   const transport::DialInListener* dialin,
                                                   const Discovery* discovery) {
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
  keep.push_back(make_collector_collectable(fan, dialin));
  if (recorder) keep.push_back(make_recorder_collectable(*recorder));
  if (discovery) keep.push_back(make_discovery_collectable(*discovery));
  for (const auto& c : keep) exposer->RegisterCollectable(c);
  return exposer;
}

struct LinkSeen {
  bool connected = false;
  std::string refused;
};

// Logs links whose connected state or refusal changed since the last call.
void log_link_changes(const FanIn& fan, std::map<std::string, LinkSeen>& seen) {
  const auto stats = fan.stats();
  std::map<std::string, LinkSeen> now;
  for (const auto& a : stats.agents) {
    LinkSeen& was = now[a.endpoint] = seen[a.endpoint];
    if (a.refused != was.refused) {
      was.refused = a.refused;
      if (!a.refused.empty()) spdlog::error("agent {}: {}", a.endpoint, a.refused);
    }
    if (a.connected == was.connected) continue;
    was.connected = a.connected;
    if (a.connected) {
      spdlog::info("agent {} connected", a.endpoint);
    } else {
      spdlog::warn("agent {} silent (frames so far: {} received, {} rejected){}{}", a.endpoint, a.frames_received,
                   a.frames_rejected, a.rejects.total() ? ": " : "", a.rejects.describe(a.endpoint));
    }
  }
  seen = std::move(now);  // agents no longer followed are forgotten
}

std::vector<AgentSpec> flag_agents(const CollectorOptions& opts) {
  std::vector<AgentSpec> out;
  for (std::size_t i = 0; i < opts.agents.size(); ++i)
    out.push_back({opts.agents[i], i < opts.agent_server_keys.size() ? opts.agent_server_keys[i] : ""});
  return out;
}

// --agent and the agents file as one list; the error names the file.
std::optional<std::string> wanted_agents(const CollectorOptions& opts, std::vector<AgentSpec>& out) {
  std::vector<AgentSpec> listed;
  if (!opts.agents_file.empty()) {
    if (auto err = read_agents_file(opts.agents_file, listed)) return err;
  }
  if (auto err = merge_agents(flag_agents(opts), listed, out)) return err;
  return std::nullopt;
}

// SIGHUP: the agents file again. A file that cannot be read or parsed, or an
// agent whose keys cannot be loaded, changes nothing: every agent followed
// before is followed still.
void reload_agents(const CollectorOptions& opts, FanIn& fan, std::vector<AgentSpec>& followed,
                   Discovery* discovery) {
  if (opts.agents_file.empty()) {
    spdlog::info("SIGHUP: no --agents-file to re-read; following the same {} agents", followed.size());
    return;
  }
  std::vector<AgentSpec> wanted;
  if (auto err = wanted_agents(opts, wanted)) {
    spdlog::error("SIGHUP: agents file not applied: {}; following the same {} agents", *err, followed.size());
    return;
  }
  const auto changes = diff_agents(followed, wanted);
  std::vector<transport::ClientSecurity> security(changes.add.size());
  for (std::size_t i = 0; i < changes.add.size(); ++i) {
    const auto& spec = changes.add[i];
    if (auto err = transport::load_client_security(spec.server_key, spec.server_key.empty() ? "" : opts.key_file,
                                                   security[i])) {
      spdlog::error("SIGHUP: agents file not applied: {}: {}; following the same {} agents", spec.endpoint, *err,
                    followed.size());
      return;
    }
  }
  for (const auto& endpoint : changes.remove) {
    fan.remove_agent(endpoint);
    spdlog::info("no longer following agent {}", endpoint);
  }
  std::vector<AgentSpec> now;
  for (const auto& spec : followed)
    if (std::find(changes.remove.begin(), changes.remove.end(), spec.endpoint) == changes.remove.end())
      now.push_back(spec);
  for (std::size_t i = 0; i < changes.add.size(); ++i) {
    // Discovered already: listed now, so discovery lets go of it (its link stays).
    if (discovery && discovery->release(changes.add[i].endpoint)) {
      spdlog::info("following agent {} (discovered before, now listed)", changes.add[i].endpoint);
      now.push_back(changes.add[i]);
      continue;
    }
    std::string error;
    if (!fan.add_agent(changes.add[i].endpoint, security[i], error)) {
      spdlog::error("SIGHUP: cannot follow agent {}: {}", changes.add[i].endpoint, error);
      continue;
    }
    spdlog::info("following agent {}", changes.add[i].endpoint);
    now.push_back(changes.add[i]);
  }
  followed = std::move(now);
  spdlog::info("SIGHUP: agents file {} applied: {} added, {} removed, {} followed", opts.agents_file,
               changes.add.size(), changes.remove.size(), followed.size());
}

// --agents-listen, with the collector's key pair (viewers' and agents').
std::unique_ptr<transport::DialInListener> start_dialin(const CollectorOptions& opts, FanIn& fan,
                                                        std::string& error) {
  if (opts.agents_listen.empty()) return nullptr;
  transport::DialInOptions o;
  o.endpoint = opts.agents_listen;
  o.security = {.secret_key_file = opts.secret_key_file,
                .authorized_keys_file = opts.agents_authorized_keys_file,
                .insecure_remote = opts.insecure_remote,
                .hint = "give --secret-key FILE (beamscope-ctl keygen PATH), or --insecure-remote"};
  o.on_warning = [](const std::string& text) { spdlog::warn("{}", text); };
  return follow_dialled_agents(fan, o, error);
}

// A followed agent takes a descriptor or four (its connection, libzmq's
// mailboxes and monitor): at a soft limit of 1,024 a fleet of a few
// hundred agents would fail for want of descriptors. Raised to the hard
// limit, as servers do; said when it stays low.
void raise_descriptor_limit(std::size_t agents) {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0) return;
  if (files.rlim_cur < files.rlim_max) {
    const rlim_t before = files.rlim_cur;
    files.rlim_cur = files.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &files) != 0) files.rlim_cur = before;
  }
  if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < 4 * agents + 256)
    spdlog::warn("{} open files at most (ulimit -n) for {} agents: raise it, a link takes up to four", files.rlim_cur,
                 agents);
}

}  // namespace

int run_collector(const CollectorOptions& opts) {
  spdlog::set_level(spdlog::level::from_str(opts.log_level));
  const sigset_t signals = shutdown_signals();

  std::string error;
  std::vector<AgentSpec> followed;
  if (auto err = wanted_agents(opts, followed)) {
    spdlog::error("cannot start: {}", *err);
    return kExitUsage;
  }
  raise_descriptor_limit(followed.size());
  if (followed.empty() && opts.agents_listen.empty()) spdlog::warn("no agents yet: add some to {} and send SIGHUP", opts.agents_file);
  FanInOptions fan_opts;
  fan_opts.limits = opts.limits;
  for (const auto& spec : followed) {
    transport::ClientSecurity security;
    if (auto err = transport::load_client_security(spec.server_key, spec.server_key.empty() ? "" : opts.key_file,
                                                   security)) {
      spdlog::error("cannot start: agent {}: {}", spec.endpoint, *err);
      return kExitUsage;
    }
    fan_opts.agents.push_back(spec.endpoint);
    fan_opts.agent_security.push_back(std::move(security));
  }
  fan_opts.server.endpoint = opts.listen;
  fan_opts.server.security = {.secret_key_file = opts.secret_key_file,
                              .authorized_keys_file = opts.authorized_keys_file,
                              .insecure_remote = opts.insecure_remote,
                              .hint = "give --secret-key FILE (beamscope-ctl keygen PATH), or --insecure-remote"};
  fan_opts.server.on_warning = [](const std::string& text) { spdlog::warn("{}", text); };
  // Many agents share one queue into the server's I/O thread; agents a
  // SIGHUP may add get room for 16 from the start.
  const std::size_t sized_for = opts.agents_file.empty() && opts.agents_listen.empty() && !opts.discover
                                    ? followed.size()
                                    : std::max(followed.size(), std::size_t{16});
  fan_opts.server.queue_limit = 256 * (sized_for + 1);
  fan_opts.server.max_viewers = opts.max_viewers;
  // Declared before `fan`, so they outlive the links that feed them.
  HistoryStore history({.memory_limit = opts.memory_limit});
  fan_opts.history = &history;
  std::unique_ptr<Recorder> recorder;
  // Declared after `history`: stopped and joined before it goes.
  std::jthread restore;
  if (!opts.record.empty()) {
    // A file this collector (or one before it) wrote: its last hour back
    // into the history, on a thread of its own while the links start.
    std::error_code ec;
    const bool recorded_before = std::filesystem::file_size(opts.record, ec) > 0 && !ec;
    std::string note;
    RecorderOptions record;
    record.path = opts.record;
    recorder = Recorder::start(record, error, &note);
    if (!recorder) {
      spdlog::error("cannot start: --record {}", error);
      return kExitStartFailed;
    }
    spdlog::info("{}", note);
    fan_opts.on_frame = [r = recorder.get()](const protocol::SharedEnvelope& env) { r->record(env); };
    fan_opts.on_gone = [r = recorder.get()](const std::string& node, const std::string& why) { r->gone(node, why); };
    fan_opts.recording = opts.record;  // viewers scrub back in time from it
    if (recorded_before)
      restore = std::jthread([&history, path = opts.record](std::stop_token stop) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = restore_history(path, history, protocol::now_us(), std::int64_t{3600} * 1'000'000, stop);
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
        if (!r.error.empty())
          spdlog::warn("history not restored from {}: {}", path, r.error);
        else if (!stop.stop_requested())
          spdlog::info("history restored from {}: {} ticks of the last hour, {} node(s) ({} segments, {} ms)", path,
                       r.ticks, r.nodes, r.segments, ms.count());
      });
  }
  auto fan = FanIn::start(fan_opts, error);
  if (!fan) {
    spdlog::error("cannot start: {}", error);
    return kExitStartFailed;
  }

  // Declared after `fan`: destroyed (its context closed) after the links
  // on that context, which fan->stop() closes.
  auto dialin = start_dialin(opts, *fan, error);
  if (!dialin && !opts.agents_listen.empty()) {
    spdlog::error("cannot start: --agents-listen {}", error);
    return kExitStartFailed;
  }

  // Declared after `fan`: stopped before it, so no link is added to a
  // stopped fan-in.
  std::unique_ptr<Discovery> discovery;
  if (opts.discover) {
    discovery = Discovery::start(*fan, {.max_discovered = opts.max_discovered, .key_file = opts.key_file}, error);
    if (!discovery) {
      spdlog::error("cannot start: --discover: {}", error);
      return kExitUsage;
    }
  }

  // Declared after `fan`, so destroyed before it: no scrape can reach a
  // stopped fan-in.
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables;
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = start_exposer(opts, *fan, collectables, recorder.get(), dialin.get(), discovery.get());
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
  if (dialin) {
    spdlog::info("agents dial in on {}{}", dialin->bound_endpoint(), dialin->stats().curve ? " (CURVE)" : "");
    transport::ServerSecurity plain;
    plain.secret_key_file = opts.secret_key_file;
    if (transport::is_plaintext_remote(opts.agents_listen, plain))
      spdlog::warn("agents' endpoint {} is PLAINTEXT to other machines (--insecure-remote)", opts.agents_listen);
  }
  for (const auto& spec : followed) spdlog::info("following agent {}", spec.endpoint);
  if (discovery)
    spdlog::info("following the agents the nodes report as cluster peers (--discover, at most {})",
                 opts.max_discovered);
  spdlog::info("keeping at most {} nodes; per node {} processes, {} tree entries, {} events",
               opts.limits.max_nodes, opts.limits.max_processes, opts.limits.max_tree_entries, opts.limits.max_events);
  spdlog::info("keeping every node's history (1 s for an hour, 1 min for a day) in at most {} MiB",
               opts.memory_limit >> 20);

  std::map<std::string, LinkSeen> seen;
  const timespec tick{1, 0};
  for (;;) {
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) {
      spdlog::info("{} received, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    if (sig == SIGHUP) reload_agents(opts, *fan, followed, discovery.get());
    history.expire(protocol::now_us());
    log_link_changes(*fan, seen);
  }
  restore.request_stop();  // a long restore ends at its next segment
  exposer.reset();
  spdlog::debug("/metrics stopped");
  if (dialin) dialin->stop();  // no agent dials in while the links stop
  if (discovery) discovery->stop();  // nor is one discovered
  fan->stop();
  dialin.reset();  // its context closes once every link on it is closed
  if (recorder) {
    recorder->stop();  // what was received is on disk before the collector exits
    const auto rs = recorder->stats();
    spdlog::info("recording {} closed: {} frames, {} bytes{}", opts.record, rs.frames_recorded, rs.file_bytes,
                 rs.dropped_queue_full + rs.dropped_write_failed
                     ? fmt::format(", {} frames dropped", rs.dropped_queue_full + rs.dropped_write_failed)
                     : "");
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace beamscope::collector
