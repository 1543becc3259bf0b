// Command-line parsing and checks of beamscope-collector (see options.hpp).
#include "beamscope/collector/options.hpp"

#include <charconv>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/common.h>

#include "beamscope/build_version.hpp"
#include "beamscope/collector/history_store.hpp"
#include "beamscope/transport/endpoint.hpp"

namespace beamscope::collector {

std::optional<int> parse_command_line(int argc, const char* const* argv, CollectorOptions& out) {
  CLI::App app{"beamscope-collector: fans many beamscope agents into one stream and one fleet /metrics"};
  // Every option is also a key of the --config file (TOML/INI: `listen =
  // "tcp://..."`, `agent = ["tcp://a:9755", "tcp://b:9755"]`); flags given
  // on the command line win. Unknown keys are errors, not ignored.
  app.set_version_flag("--version", "beamscope-collector " BEAMSCOPE_VERSION);
  app.set_config("--config", "", "read options from FILE: every long option a key, e.g. max-viewers = 64");
  app.allow_config_extras(CLI::config_extras_mode::error);
  std::vector<std::string> agent_specs;
  app.add_option("--agent", agent_specs,
                 "agent stream endpoint, e.g. tcp://10.0.0.5:9755, or tcp://10.0.0.5:9755,server-key=agent.pub "
                 "for a CURVE agent (repeatable)")
      ->expected(1, -1);
  app.add_option("--agents-file", out.agents_file,
                 "more agents, one a line as --agent takes them, # comments; re-read on SIGHUP");
  app.add_option("--key", out.key_file, "our CURVE secret key file (.secret) for agents that authorize us by key");
  app.add_option("--secret-key", out.secret_key_file, "CURVE secret key file: viewers' stream is encrypted");
  app.add_option("--authorized-keys", out.authorized_keys_file,
                 "viewers' public keys allowed to connect, one Z85 key a line (re-read when it changes)");
  app.add_flag("--insecure-remote", out.insecure_remote,
               "allow a plaintext --listen or --agents-listen off loopback (anyone who reaches it reads the fleet)");
  app.add_option("--agents-listen", out.agents_listen,
                 "endpoint agents dial in to (their collector_endpoints), e.g. tcp://0.0.0.0:9758; CURVE with "
                 "--secret-key");
  app.add_option("--agents-authorized-keys", out.agents_authorized_keys_file,
                 "agents' public keys allowed to dial in, one Z85 key a line (re-read when it changes); needs "
                 "--secret-key");
  app.add_option("--max-viewers", out.max_viewers,
                 "viewers served at once; more are told so and closed (each costs the collector a socket)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--listen", out.listen, "endpoint viewers connect to")->capture_default_str();
  app.add_option("--metrics", out.metrics, "HOST:PORT of the fleet /metrics, or none")->capture_default_str();
  app.add_option("--top-k", out.top_k, "per-process series per ranking and node on /metrics")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--metrics-auth-file", out.metrics_auth_file,
                 "file with one line user:password: /metrics asks for HTTP basic auth")
      ->check(CLI::ExistingFile);
  app.add_option("--metrics-tls-pem", out.metrics_tls_pem, "PEM file (key and certificate): serve /metrics over TLS")
      ->check(CLI::ExistingFile);
  const auto& top = protocol::kLargestLimits;
  app.add_option("--max-nodes", out.limits.max_nodes,
                 "nodes kept over all agents; frames of further nodes are dropped and counted")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, top.max_nodes));
  app.add_option("--max-processes", out.limits.max_processes,
                 "hot-set processes kept per node; new ones past it are cut and counted")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, top.max_processes));
  app.add_option("--max-tree-entries", out.limits.max_tree_entries,
                 "supervision tree entries kept per node; new ones past it are cut and counted")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, top.max_tree_entries));
  app.add_option("--max-events", out.limits.max_events,
                 "newest events kept per node; older ones pushed out are counted")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, top.max_events));
  app.add_option("--record", out.record,
                 "record every node's stream to FILE (appended to when it is a recording already); replay it with "
                 "beamscope-ctl --replay FILE");
  app.add_flag("--discover", out.discover,
               "also follow the agents on the other nodes of each node's distributed Erlang cluster (as its agent "
               "reports them), and theirs in turn: one --agent finds a whole cluster; CURVE ones with --key; one "
               "no node reports for 60 s is no longer followed");
  app.add_option("--max-discovered", out.max_discovered,
                 "with --discover: agents followed at most because discovered; further ones are counted "
                 "(beamscope_collector_discovery_skipped_total{reason=\"cap\"})")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{4096}));
  std::string memory_limit = "512MiB";
  app.add_option("--memory-limit", memory_limit,
                 "memory for every node's history together (1 s for an hour, 1 min for a day, events): BYTES, NMiB "
                 "or NGiB; past it the oldest data goes first")
      ->capture_default_str();
  app.add_option("--log-level", out.log_level, "trace, debug, info, warn, error or off")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ConfigError& e) {
    // CLI11 says "INI was not able to parse KEY": name the file and the rule.
    std::cerr << "beamscope-collector: --config " << app.get_config_ptr()->as<std::string>() << ": " << e.what()
              << " (keys are the long options without dashes, e.g. listen = \"tcp://127.0.0.1:9756\")\n";
    return kExitUsage;
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and usage to stderr
    return kExitUsage;
  }
  if (auto err = parse_memory_limit(memory_limit, out.memory_limit)) {
    std::cerr << "beamscope-collector: " << *err << "\n";
    return kExitUsage;
  }
  for (const auto& spec : agent_specs) {
    std::string endpoint, key;
    if (auto err = parse_agent_spec(spec, endpoint, key)) {
      std::cerr << "beamscope-collector: bad --agent: " << *err << "\n";
      return kExitUsage;
    }
    out.agents.push_back(endpoint);
    out.agent_server_keys.push_back(key);
  }
  if (auto err = validate(out)) {
    std::cerr << "beamscope-collector: " << *err << "\n";
    return kExitUsage;
  }
  return std::nullopt;
}

std::optional<std::string> parse_agent_spec(const std::string& spec, std::string& endpoint, std::string& server_key) {
  const auto comma = spec.find(',');
  endpoint = spec.substr(0, comma);
  server_key.clear();
  if (comma == std::string::npos) return std::nullopt;
  const std::string option = spec.substr(comma + 1);
  const std::string prefix = "server-key=";
  if (option.rfind(prefix, 0) != 0 || option.size() == prefix.size())
    return spec + ": expected ENDPOINT or ENDPOINT,server-key=FILE";
  server_key = option.substr(prefix.size());
  return std::nullopt;
}

std::optional<std::string> validate(const CollectorOptions& opts) {
  if (opts.agents.empty() && opts.agents_file.empty() && opts.agents_listen.empty())
    return "at least one --agent endpoint, an --agents-file or --agents-listen is needed";
  for (const auto& agent : opts.agents) {
    if (auto err = transport::check_endpoint(agent, /*for_bind=*/false)) return "bad --agent: " + *err;
  }
  if (auto err = transport::check_endpoint(opts.listen, /*for_bind=*/true)) return "bad --listen: " + *err;
  if (!opts.agents_listen.empty()) {
    if (auto err = transport::check_endpoint(opts.agents_listen, /*for_bind=*/true))
      return "bad --agents-listen: " + *err;
    if (opts.agents_listen == opts.listen) return "--agents-listen must differ from --listen";
  }
  if (!opts.agents_authorized_keys_file.empty()) {
    if (opts.agents_listen.empty()) return "--agents-authorized-keys needs --agents-listen";
    if (opts.secret_key_file.empty()) return "--agents-authorized-keys needs --secret-key (agents dial in with CURVE)";
  }
  if (auto err = check_metrics_address(opts.metrics)) return "bad --metrics: " + *err;
  if (auto err = protocol::check(opts.limits)) return "bad limit: " + *err;
  if (spdlog::level::from_str(opts.log_level) == spdlog::level::off && opts.log_level != "off") {
    return "bad --log-level: " + opts.log_level;
  }
  return std::nullopt;
}

std::optional<std::string> check_metrics_address(const std::string& address) {
  if (address == "none") return std::nullopt;
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return address + ": expected HOST:PORT (e.g. 127.0.0.1:9757) or none";
  const std::string host = address.substr(0, colon);
  if (host.find("://") != std::string::npos) return address + ": give HOST:PORT without a scheme";
  const std::string port = address.substr(colon + 1);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value > 65535) {
    return address + ": port must be 0..65535, got '" + port + "'";
  }
  return std::nullopt;
}

}  // namespace beamscope::collector
