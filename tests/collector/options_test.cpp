#include "beamscope/collector/options.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace beamscope::collector {
namespace {

std::optional<int> parse(std::vector<const char*> args, CollectorOptions& out) {
  args.insert(args.begin(), "beamscope-collector");
  return parse_command_line(static_cast<int>(args.size()), args.data(), out);
}

TEST(CollectorOptions, DefaultsFollowTheContract) {
  CollectorOptions o;
  EXPECT_EQ(parse({"--agent", "tcp://10.0.0.5:9755", "--agent", "ipc:///tmp/a"}, o), std::nullopt);
  EXPECT_EQ(o.agents.size(), 2u);
  EXPECT_EQ(o.listen, "tcp://127.0.0.1:9756");
  EXPECT_EQ(o.metrics, "127.0.0.1:9757");
  EXPECT_EQ(o.top_k, 20u);
  EXPECT_EQ(o.limits.max_nodes, kDefaultMaxNodes);
  EXPECT_EQ(o.limits.max_processes, protocol::limits::kMaxProcesses);
  EXPECT_EQ(o.limits.max_tree_entries, protocol::limits::kMaxTreeNodes);
  EXPECT_EQ(o.limits.max_events, protocol::kKeptEvents);
  EXPECT_EQ(o.memory_limit, 512ull << 20);
}

TEST(CollectorOptions, MemoryLimit) {
  CollectorOptions o;
  EXPECT_EQ(parse({"--agent", "tcp://a:1", "--memory-limit", "2GiB"}, o), std::nullopt);
  EXPECT_EQ(o.memory_limit, 2ull << 30);
  EXPECT_EQ(parse({"--agent", "tcp://a:1", "--memory-limit", "64MiB"}, o), std::nullopt);
  EXPECT_EQ(o.memory_limit, 64ull << 20);
  for (const char* bad : {"0", "512MB", "lots", "1000", "4096GiB"}) {
    CollectorOptions b;
    EXPECT_EQ(parse({"--agent", "tcp://a:1", "--memory-limit", bad}, b), kExitUsage) << bad;
  }
}

TEST(CollectorOptions, LimitsFromFlags) {
  CollectorOptions o;
  EXPECT_EQ(parse({"--agent", "tcp://a:1", "--max-nodes", "3", "--max-processes", "200", "--max-tree-entries", "300",
                   "--max-events", "512"},
                  o),
            std::nullopt);
  EXPECT_EQ(o.limits.max_nodes, 3u);
  EXPECT_EQ(o.limits.max_processes, 200u);
  EXPECT_EQ(o.limits.max_tree_entries, 300u);
  EXPECT_EQ(o.limits.max_events, 512u);
}

TEST(CollectorOptions, SeveralAgentsAfterOneFlag) {
  CollectorOptions o;
  EXPECT_EQ(parse({"--agent", "tcp://a:1", "tcp://b:2", "--metrics", "none"}, o), std::nullopt);
  EXPECT_EQ(o.agents.size(), 2u);
  EXPECT_EQ(o.metrics, "none");
}

TEST(CollectorOptions, BadInputExitsWithUsageCode) {
  const std::vector<std::vector<const char*>> bad = {
      {},                                                         // no agent
      {"--agent", "localhost:9755"},                              // no scheme
      {"--agent", "tcp://127.0.0.1:*"},                           // wildcard port to connect
      {"--agent", "udp://127.0.0.1:9755"},                        // unknown scheme
      {"--agent", "tcp://127.0.0.1:9755", "--listen", "tcp://127.0.0.1:99999"},
      {"--agent", "tcp://127.0.0.1:9755", "--metrics", "9757"},
      {"--agent", "tcp://127.0.0.1:9755", "--metrics", "http://127.0.0.1:9757"},
      {"--agent", "tcp://127.0.0.1:9755", "--metrics", "127.0.0.1:x"},
      {"--agent", "tcp://127.0.0.1:9755", "--log-level", "chatty"},
      {"--agent", "tcp://127.0.0.1:9755", "--bogus"},
      {"--agent", "tcp://127.0.0.1:9755", "--max-nodes", "0"},
      {"--agent", "tcp://127.0.0.1:9755", "--max-nodes", "4097"},
      {"--agent", "tcp://127.0.0.1:9755", "--max-processes", "4097"},   // more than a keyframe carries
      {"--agent", "tcp://127.0.0.1:9755", "--max-tree-entries", "20001"},
      {"--agent", "tcp://127.0.0.1:9755", "--max-events", "513"},
      {"--agent", "tcp://127.0.0.1:9755", "--max-events", "-1"},
  };
  for (const auto& args : bad) {
    CollectorOptions o;
    EXPECT_EQ(parse(args, o), kExitUsage) << (args.empty() ? "(none)" : args.back());
  }
}

// --agents-listen alone is enough: every agent may dial in.
TEST(CollectorOptions, AgentsListen) {
  CollectorOptions o;
  EXPECT_EQ(parse({"--agents-listen", "tcp://127.0.0.1:9758"}, o), std::nullopt);
  EXPECT_EQ(o.agents_listen, "tcp://127.0.0.1:9758");
  EXPECT_TRUE(o.agents.empty());
  CollectorOptions keyed;
  EXPECT_EQ(parse({"--agents-listen", "tcp://0.0.0.0:9758", "--secret-key", "c.secret", "--agents-authorized-keys",
                   "agents.keys"},
                  keyed),
            std::nullopt);
  EXPECT_EQ(keyed.agents_authorized_keys_file, "agents.keys");
  EXPECT_EQ(keyed.secret_key_file, "c.secret");
  const std::vector<std::vector<const char*>> bad = {
      {"--agents-listen", "tcp://127.0.0.1:99999"},
      {"--agents-listen", "127.0.0.1:9758"},
      {"--agents-listen", "tcp://127.0.0.1:9756"},  // the viewers' --listen
      {"--agents-listen", "tcp://127.0.0.1:9758", "--agents-authorized-keys", "agents.keys"},  // no --secret-key
      {"--agent", "tcp://a:1", "--secret-key", "c.secret", "--agents-authorized-keys", "agents.keys"},
  };
  for (const auto& args : bad) {
    CollectorOptions b;
    EXPECT_EQ(parse(args, b), kExitUsage) << args[1];
  }
}

// --discover follows the seed's cluster; --max-discovered bounds it.
TEST(CollectorOptions, Discover) {
  CollectorOptions plain;
  EXPECT_EQ(parse({"--agent", "tcp://a:1"}, plain), std::nullopt);
  EXPECT_FALSE(plain.discover);
  EXPECT_EQ(plain.max_discovered, 256u);
  CollectorOptions o;
  EXPECT_EQ(parse({"--agent", "tcp://a:1", "--discover", "--max-discovered", "10"}, o), std::nullopt);
  EXPECT_TRUE(o.discover);
  EXPECT_EQ(o.max_discovered, 10u);
  for (const char* bad : {"0", "4097", "many"}) {
    CollectorOptions b;
    EXPECT_EQ(parse({"--agent", "tcp://a:1", "--discover", "--max-discovered", bad}, b), kExitUsage) << bad;
  }
  const std::string path = ::testing::TempDir() + "collector_options_discover.conf";
  std::ofstream(path) << "agent = [\"tcp://a:1\"]\ndiscover = true\nmax-discovered = 4096\n";
  CollectorOptions c;
  EXPECT_EQ(parse({"--config", path.c_str()}, c), std::nullopt);
  EXPECT_TRUE(c.discover);
  EXPECT_EQ(c.max_discovered, 4096u);
  std::remove(path.c_str());
}

TEST(CollectorOptions, HelpExitsZero) {
  CollectorOptions o;
  EXPECT_EQ(parse({"--help"}, o), 0);
}

TEST(CollectorOptions, MetricsAddress) {
  EXPECT_EQ(check_metrics_address("127.0.0.1:0"), std::nullopt);
  EXPECT_EQ(check_metrics_address("[::1]:9757"), std::nullopt);
  EXPECT_EQ(check_metrics_address("none"), std::nullopt);
  EXPECT_NE(check_metrics_address(":9757"), std::nullopt);
  EXPECT_NE(check_metrics_address("host:65536"), std::nullopt);
}

// --config FILE: every option a key, the command line wins, unknown keys
// and bad values are usage errors.
TEST(CollectorOptions, ConfigFile) {
  const std::string path = ::testing::TempDir() + "collector_options_test.conf";
  auto write = [&](const std::string& text) { std::ofstream(path) << text; };
  write("# comment\nagent = [\"tcp://a:1\", \"tcp://b:2\"]\nagents-file = \"/etc/beamscope/agents\"\n"
        "listen = \"tcp://127.0.0.1:7001\"\nmax-viewers = 5\ninsecure-remote = true\nlog-level = \"debug\"\n");
  CollectorOptions o;
  ASSERT_EQ(parse({"--config", path.c_str(), "--max-viewers", "7"}, o), std::nullopt);
  EXPECT_EQ(o.agents, (std::vector<std::string>{"tcp://a:1", "tcp://b:2"}));
  EXPECT_EQ(o.agents_file, "/etc/beamscope/agents");
  EXPECT_EQ(o.listen, "tcp://127.0.0.1:7001");
  EXPECT_EQ(o.max_viewers, 7u);
  EXPECT_TRUE(o.insecure_remote);
  EXPECT_EQ(o.log_level, "debug");

  // An agents file alone is enough (it may list none yet).
  write("agents-file = \"/etc/beamscope/agents\"\n");
  CollectorOptions only_file;
  EXPECT_EQ(parse({"--config", path.c_str()}, only_file), std::nullopt);
  EXPECT_TRUE(only_file.agents.empty());

  for (const char* bad : {"lisen = \"tcp://127.0.0.1:7001\"\n", "max-viewers = \"many\"\n",
                          "agents-file = \"x\"\nlisten = \"udp://x:1\"\n", "[collector]\nlisten = \"x\"\n"}) {
    write(bad);
    CollectorOptions b;
    EXPECT_EQ(parse({"--config", path.c_str()}, b), kExitUsage) << bad;
  }
  CollectorOptions missing;
  EXPECT_EQ(parse({"--config", "/nonexistent/collector.conf"}, missing), kExitUsage);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace beamscope::collector
