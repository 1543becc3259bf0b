// bench/ingest (issue 15): N simulated agents, each a real
// transport::StreamServer on its own loopback port streaming a generated
// 10,000-process node (tests/recording/fleet_gen: a keyframe, then a delta
// a second stamped as the agent stamps them), into the real
// beamscope-collector started as a child pinned to one core, with
// --record. Measured from the collector over a fixed window:
//   process samples/s per core: ProcessSample rows it applied (deltas
//     published + keyframes it received x hot set) / its CPU seconds
//     (/proc/PID/stat utime + stime), checked against its /metrics (every
//     frame received and forwarded, nothing rejected, dropped or resynced);
//   memory per node-hour of history: beamscope_collector_history_bytes
//     growth and RSS growth over the window, per node and per 3600 ticks;
//   recording bytes per node-hour: the --record file's growth likewise.
//   where its CPU went, by thread: the links', its server's I/O thread,
//     the recorder's, libzmq's (/proc/PID/task/*/stat by thread name).
// Baseline, side by side in the same run: the same generator's frames
// decoded (into an arena, as the collector's links do: decode_owned) and
// applied by protocol::NodeModel in this process alone (no sockets, no
// collector), by this thread's CPU time.
// --rate HZ: each agent sends HZ deltas a second (an agent ticking every
// 1/HZ s; a tick is still a second of the node's uptime), to offer the
// collector more rows than 200 agents at 1 Hz (~24k rows/s, a third of
// its core); its servers' keyframes stay every 10 s, the recording's
// checkpoints every 20 s. The driver (this process, on the other cores)
// says the rate it achieved.
// Prints a table and ratios, then the bounds (--smoke: generous ones,
// exit 1 when one is missed).
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/node_model.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "bench_bound.hpp"
#include "collector_probe.hpp"
#include "fleet_gen.hpp"

using namespace beamscope;
using namespace beamscope::bench;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

struct Args {
  int agents = 200;
  int seconds = 60;  // the measured window
  int warmup = 5;    // after every agent is connected
  int idle = 5;      // then no deltas: the collector's fixed cost
  int hot = 200;     // ProcessSample rows of a keyframe (the hot set)
  int move_one_in = 2;
  double rate = 1;   // deltas an agent sends a second (its tick: 1/rate s)
  int collector_core = 1;
  bool record = true;
  bool smoke = false;
  std::string collector;
  std::string dir;
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: bench_ingest --collector PATH [--agents N] [--seconds S] [--warmup S] [--hot ROWS] "
               "[--idle S] [--move-one-in K] [--rate HZ] [--core C] [--no-record] [--dir DIR] [--smoke]\n");
  std::exit(2);
}

bool dir_given = true;

Args parse(int argc, char** argv) {
  Args a;
  bool agents_given = false, seconds_given = false, warmup_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&] {
      if (i + 1 >= argc) usage();
      return std::string(argv[++i]);
    };
    if (k == "--agents") a.agents = std::stoi(next()), agents_given = true;
    else if (k == "--seconds") a.seconds = std::stoi(next()), seconds_given = true;
    else if (k == "--warmup") a.warmup = std::stoi(next()), warmup_given = true;
    else if (k == "--idle") a.idle = std::stoi(next());
    else if (k == "--hot") a.hot = std::stoi(next());
    else if (k == "--move-one-in") a.move_one_in = std::stoi(next());
    else if (k == "--rate") a.rate = std::stod(next());
    else if (k == "--core") a.collector_core = std::stoi(next());
    else if (k == "--no-record") a.record = false;
    else if (k == "--collector") a.collector = next();
    else if (k == "--dir") a.dir = next();
    else if (k == "--smoke") a.smoke = true;
    else usage();
  }
  if (a.smoke) {
    if (!agents_given) a.agents = 20;
    if (!seconds_given) a.seconds = 10;
    if (!warmup_given) a.warmup = 2;
    a.idle = std::min(a.idle, 3);
  }
  if (a.collector.empty() || a.agents < 1 || a.seconds < 1 || a.hot < 1 || a.hot > 4096 || a.move_one_in < 1 ||
      !(a.rate >= 0.1 && a.rate <= 100))
    usage();
  if (a.dir.empty()) dir_given = false, a.dir = (fs::temp_directory_path() / ("bench_ingest_" + std::to_string(::getpid()))).string();
  return a;
}

int rows(const v1::Envelope& env) {
  return env.has_keyframe() ? env.keyframe().processes_size() : env.has_delta() ? env.delta().upserted_size() : 0;
}

testing::FleetGenOptions gen_options(const Args& a, std::int64_t start_us) {
  testing::FleetGenOptions o;
  o.nodes = a.agents;
  o.hot = a.hot;
  o.keyframe_every = 1 << 30;  // the agent sends deltas after its first keyframe; its server sends keyframes every 10 s
  o.move_one_in = a.move_one_in;
  o.node_processes = 10000;
  o.start_us = start_us;
  o.started_at_us = start_us;  // so a node's served state says its tick: started_at + uptime (a tick a second)
  return o;
}

// What the simulated agents published (the driver thread writes, main reads).
struct Published {
  std::atomic<std::uint64_t> ticks{0};        // whole ticks (every agent's frame of a second)
  std::atomic<std::uint64_t> gen_ticks{0};    // ticks generated (the keyframe's included): the newest uptime in s
  std::atomic<std::uint64_t> deltas{0};
  std::atomic<std::uint64_t> delta_rows{0};   // ProcessSample rows in them
  std::atomic<std::uint64_t> delta_bytes{0};  // their encoded size
  std::atomic<std::uint64_t> refused{0};      // publish() false (the server's queue full)
  std::atomic<std::uint64_t> late_ms{0};      // worst lateness of a tick's last frame
};

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  fs::create_directories(args.dir);
  const std::string agents_file = args.dir + "/agents.txt";
  const std::string record_file = args.dir + "/ingest.bsrec";
  const std::string log_file = args.dir + "/collector.log";
  fs::remove(record_file);

  // Every agent a few sockets and eventfds here, every link as many in the collector (which inherits the limit).
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &nofile);
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const int collector_core = std::min<int>(args.collector_core, static_cast<int>(cores) - 1);
  // The agents off the collector's core when there is another.
  if (cores > 1) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (unsigned c = 0; c < cores; ++c)
      if (static_cast<int>(c) != collector_core) CPU_SET(c, &set);
    ::sched_setaffinity(0, sizeof set, &set);
  }
  std::printf("ingest bench: %d agents (a 10,000-process node each: a hot set of %d rows, 1 in %d moving a tick, "
              "1 in 50 replaced), %g delta(s) a second each (a tick every %.0f ms), collector on core %d, window %d s "
              "after %d s warm-up%s%s\n",
              args.agents, args.hot, args.move_one_in, args.rate, 1000.0 / args.rate, collector_core, args.seconds,
              args.warmup, args.record ? ", recording" : "", args.smoke ? " [smoke]" : "");
  {
    char load[128] = {};
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
      if (!std::fgets(load, sizeof load, f)) load[0] = 0;
      std::fclose(f);
    }
    std::printf("load at start: %s", load);
  }

  // The agents: one StreamServer each, on a port the kernel picks.
  std::vector<std::unique_ptr<transport::StreamServer>> servers;
  {
    std::ofstream out(agents_file);
    for (int i = 0; i < args.agents; ++i) {
      transport::StreamServerOptions o;
      o.endpoint = "tcp://127.0.0.1:*";
      std::string error;
      auto s = transport::StreamServer::start(o, error);
      if (!s) {
        std::fprintf(stderr, "bench_ingest: agent %d: %s\n", i, error.c_str());
        return 1;
      }
      out << s->bound_endpoint() << "\n";
      servers.push_back(std::move(s));
    }
  }

  // The driver: a tick every 1/rate s (a second by default), agent i's
  // frame at i/N of the tick, stamped when published (as the agent stamps
  // its frames). A tick is a second of the nodes' uptime whatever the rate.
  const std::int64_t started_us = protocol::now_us();
  testing::FleetGen gen(gen_options(args, started_us));
  Published pub;
  std::atomic<bool> running{true};
  std::atomic<bool> paused{false};  // the idle phase: no deltas
  std::uint64_t first_tick_rows = 0;
  {
    auto frames = gen.tick();  // the keyframes: the agents' models have them before the collector connects
    pub.gen_ticks = 1;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      frames[i].set_timestamp_us(protocol::now_us());
      first_tick_rows += static_cast<std::uint64_t>(rows(frames[i]));
      servers[i]->publish(std::move(frames[i]));
    }
  }
  std::thread driver([&] {
    const auto period = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / args.rate));
    auto second = Clock::now() + period;
    const auto slot = period / args.agents;
    while (running.load()) {
      std::this_thread::sleep_until(second);
      if (paused.load()) {
        second += period;
        continue;
      }
      auto frames = gen.tick();
      pub.gen_ticks.fetch_add(1);
      for (std::size_t i = 0; i < frames.size() && running.load(); ++i) {
        std::this_thread::sleep_until(second + slot * static_cast<long>(i));
        auto& env = frames[i];
        env.set_timestamp_us(protocol::now_us());
        const auto n = static_cast<std::uint64_t>(rows(env));
        const auto bytes = env.ByteSizeLong();
        if (servers[i]->publish(std::move(env))) {
          pub.delta_rows.fetch_add(n);
          pub.deltas.fetch_add(1);
          pub.delta_bytes.fetch_add(bytes);
        } else {
          pub.refused.fetch_add(1);
        }
      }
      const auto late = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - second - period).count();
      pub.late_ms.store(std::max<std::uint64_t>(pub.late_ms.load(), late > 0 ? static_cast<std::uint64_t>(late) : 0));
      pub.ticks.fetch_add(1);
      second += period;
      // Fallen behind (a loaded host): the next tick at once, not a burst.
      if (Clock::now() > second) second = Clock::now();
    }
  });
  auto stop_driver = [&] {
    running = false;
    if (driver.joinable()) driver.join();
  };

  // The collector, pinned to its core, its log to a file.
  std::vector<std::string> cargs{args.collector,   "--agents-file", agents_file, "--listen", "tcp://127.0.0.1:*",
                                 "--metrics",      "127.0.0.1:0",   "--top-k",   "0",        "--log-level",
                                 "info"};
  if (args.record) {
    cargs.push_back("--record");
    cargs.push_back(record_file);
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(collector_core, &set);
    ::sched_setaffinity(0, sizeof set, &set);
    const int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> cv;
    for (auto& s : cargs) cv.push_back(s.data());
    cv.push_back(nullptr);
    ::execv(cv[0], cv.data());
    _exit(127);
  }
  auto kill_collector = [&] {
    if (pid <= 0) return -1;
    ::kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid, &status, WNOHANG) == pid) return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return status;
  };
  auto fail = [&](const std::string& why) {
    std::printf("FAILED: %s (collector log: %s)\n", why.c_str(), log_file.c_str());
    kill_collector();
    stop_driver();
    return 1;
  };

  // Its /metrics port, from its log.
  int port = 0;
  const std::regex port_re("serving fleet /metrics on .* \\(port ([0-9]+)\\)");
  for (int i = 0; i < 300 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream f(log_file);
    std::stringstream ss;
    ss << f.rdbuf();
    std::smatch m;
    const std::string text = ss.str();
    if (std::regex_search(text, m, port_re)) port = std::stoi(m[1]);
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return fail("the collector exited at start");
  }
  if (port == 0) return fail("no /metrics port in the collector's log within 30 s");

  // Every agent connected and its node served.
  const auto connect_t0 = Clock::now();
  Scrape s0;
  for (;;) {
    s0 = read_metrics(port);
    if (s0.ok && s0.connected >= args.agents && s0.nodes >= args.agents) break;
    if (Clock::now() - connect_t0 > std::chrono::seconds(40))
      return fail("agents connected " + std::to_string(static_cast<int>(s0.connected)) + ", nodes " +
                  std::to_string(static_cast<int>(s0.nodes)) + " of " + std::to_string(args.agents) + " after 40 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  const double connect_s = std::chrono::duration<double>(Clock::now() - connect_t0).count();
  std::printf("collector pid %d, /metrics port %d: %d agents connected in %.1f s\n", pid, port, args.agents, connect_s);
  std::this_thread::sleep_for(std::chrono::seconds(args.warmup));

  // Idle: every agent connected, no deltas (their servers' heartbeats and
  // 10 s keyframes go on): the collector's fixed cost.
  paused = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const Scrape i0 = read_metrics(port);
  const double idle_cpu0 = proc_cpu_s(pid);
  const auto idle_t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(args.idle));
  const double idle_cpu = proc_cpu_s(pid) - idle_cpu0;
  const double idle_wall = std::chrono::duration<double>(Clock::now() - idle_t0).count();
  const Scrape i1 = read_metrics(port);
  paused = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));

  // The window.
  s0 = read_metrics(port);
  const auto threads0 = thread_cpu(pid);
  const double cpu0 = proc_cpu_s(pid), rss0 = proc_rss(pid);
  const std::uint64_t file0 = file_size(record_file);
  const std::uint64_t deltas0 = pub.deltas, rows0 = pub.delta_rows, bytes0 = pub.delta_bytes, refused0 = pub.refused;
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(args.seconds));
  const double cpu1 = proc_cpu_s(pid), rss1 = proc_rss(pid);
  const auto by_kind = thread_cpu_by_kind(threads0, thread_cpu(pid));
  const std::uint64_t file1 = file_size(record_file);
  const std::uint64_t deltas1 = pub.deltas, rows1 = pub.delta_rows, bytes1 = pub.delta_bytes, refused1 = pub.refused;
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const double gen_ticks1 = static_cast<double>(pub.gen_ticks.load());
  const Scrape s1 = read_metrics(port);
  // How far behind the agents the state the collector serves is: the
  // newest tick generated vs the oldest node's tick on its /metrics (its
  // server's model, the last stage a frame goes through). A collector that
  // keeps up is a tick or two behind; one that does not falls further back.
  // (In ticks, a second of uptime each: seconds at 1/rate s a tick.)
  const double lag_s =
      s1.oldest_update_s < 0 ? 1e9 : (gen_ticks1 - (s1.oldest_update_s - started_us / 1e6)) / args.rate;
  stop_driver();
  const int status = kill_collector();
  if (!s0.ok || !s1.ok) return fail("a /metrics scrape failed");

  const double deltas = static_cast<double>(deltas1 - deltas0);
  const double delta_rows = static_cast<double>(rows1 - rows0);
  const double received = s1.received - s0.received;
  const double forwarded = s1.forwarded - s0.forwarded;
  // What the collector applied (forwarded) beyond the deltas: the agents'
  // servers' keyframes (every 10 s), the hot set each. (Received also
  // counts the servers' heartbeats.)
  const double keyframes = std::max(0.0, forwarded - deltas);
  const double samples = delta_rows + keyframes * args.hot;
  const double cpu = cpu1 - cpu0;
  const double per_core = samples / cpu;
  // Above the idle floor: the CPU the deltas and keyframes themselves cost.
  const double idle_rate = idle_cpu / idle_wall;
  const double busy_cpu = std::max(1e-3, cpu - idle_rate * wall);
  const double per_core_busy = samples / busy_cpu;
  // The nodes' time is the window's (at 1 Hz a delta is a node's second);
  // their rate the one the driver achieved (below --rate when it fell behind).
  const double node_seconds = static_cast<double>(args.agents) * wall;
  const double achieved_rate = deltas / node_seconds;
  const double node_hours = node_seconds / 3600.0;
  const double history_per_nh = (s1.history_bytes - s0.history_bytes) / node_hours;
  const double rss_per_nh = (rss1 - rss0) / node_hours;
  const double rec_per_nh = static_cast<double>(file1 - file0) / node_hours;
  const double wire_per_nh = static_cast<double>(bytes1 - bytes0) / node_hours;

  std::printf("window: %.1f s wall, %llu ticks published (%.0f deltas, %.2f a second an agent of the %g asked; %.0f rows: "
              "%.1f a delta, %.0f B a delta); worst tick lateness %llu ms; publish refused %llu\n",
              wall, static_cast<unsigned long long>(pub.ticks.load()), deltas, deltas / args.agents / wall, args.rate,
              delta_rows, delta_rows / deltas,
              static_cast<double>(bytes1 - bytes0) / deltas, static_cast<unsigned long long>(pub.late_ms.load()),
              static_cast<unsigned long long>(refused1 - refused0));
  std::printf("collector: received %.0f frames (heartbeats included), applied and forwarded %.0f (%.0f deltas sent + %.0f keyframes), rejected %.0f, "
              "resyncs %.0f, dropped to viewers %.0f, cut %.0f, history dropped %.0f, recording dropped %.0f\n",
              received, forwarded, deltas, keyframes, s1.rejected - s0.rejected, s1.resyncs - s0.resyncs,
              s1.dropped - s0.dropped, s1.cut - s0.cut, s1.history_dropped - s0.history_dropped,
              s1.rec_dropped - s0.rec_dropped);
  std::printf("collector's served state: the oldest node %.1f s behind the newest tick generated\n", lag_s);
  std::printf("collector idle (every agent connected, no deltas): CPU %.2f s in %.1f s (%.1f%% of its core), %.0f "
              "frames applied (the servers' keyframes)\n",
              idle_cpu, idle_wall, 100.0 * idle_cpu / idle_wall, i1.forwarded - i0.forwarded);
  std::printf("collector: CPU %.2f s in %.1f s (%.1f%% of its core), RSS %.1f -> %.1f MiB, history %.2f -> %.2f MiB, "
              "recording %.2f -> %.2f MiB, exit status %d\n",
              cpu, wall, 100.0 * cpu / wall, rss0 / 1048576.0, rss1 / 1048576.0, s0.history_bytes / 1048576.0,
              s1.history_bytes / 1048576.0, static_cast<double>(file0) / 1048576.0,
              static_cast<double>(file1) / 1048576.0, status);

  // Where the collector's CPU went, by its threads' kind: the links' own
  // threads (receive, decode, the link's model, the fan-in's forwarding:
  // history, the copies for the recorder and the server), its server's I/O
  // thread (its model, the viewers' encoding), the recorder's thread (the
  // writer's model, encoding, zstd, checkpoints) and libzmq's I/O threads.
  std::printf("collector CPU by thread over the window:");
  for (const auto& [kind, spent] : by_kind)
    std::printf(" %s %.2f s (%.1f%%)", kind.c_str(), spent, cpu > 0 ? 100.0 * spent / cpu : 0.0);
  std::printf("\n");

  // Baseline: the same generator (same seed, so the run's first ticks),
  // encoded outside the clock; decode + NodeModel::apply timed, with the
  // agent server's keyframe every 10 s per node (staggered) as the collector got.
  // At `rate` ticks a second the servers' 10 s keyframes come every 10 x
  // rate ticks: the baseline's the same, over 30 s of ticks (at most 90).
  const int kf_every = std::max(1, static_cast<int>(std::lround(10 * args.rate)));
  const int base_ticks =
      std::min(90, std::max(5, static_cast<int>(std::lround(std::min(args.seconds, 30) * args.rate))));
  testing::FleetGen bgen(gen_options(args, protocol::now_us()));
  std::vector<protocol::NodeModel> models(static_cast<std::size_t>(args.agents));
  double base_cpu = 0, base_samples = 0, base_frames = 0;
  std::uint64_t base_seq_fail = 0;
  for (int t = 0; t <= base_ticks; ++t) {
    auto frames = bgen.tick();
    std::vector<std::string> wire;
    std::vector<int> wire_rows;
    std::vector<std::size_t> wire_node;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      // The agent server's keyframe of the state so far, then the delta.
      if (t > 0 && (t + static_cast<int>(i)) % kf_every == 0 && models[i].has_state()) {
        v1::Envelope kf = frames[i];
        kf.clear_delta();
        kf.set_seq(models[i].seq());
        *kf.mutable_keyframe() = *models[i].snapshot();
        wire.push_back(protocol::encode(kf));
        wire_rows.push_back(kf.keyframe().processes_size());
        wire_node.push_back(i);
      }
      frames[i].set_timestamp_us(protocol::now_us());
      wire.push_back(protocol::encode(frames[i]));
      wire_rows.push_back(rows(frames[i]));
      wire_node.push_back(i);
    }
    const double c0 = thread_cpu_s();
    for (std::size_t w = 0; w < wire.size(); ++w) {
      std::uint32_t major = 0;
      auto r = protocol::decode_owned(wire[w], major);  // as the collector's links decode
      auto* env = std::get_if<protocol::OwnedEnvelope>(&r);
      if (!env || models[wire_node[w]].apply(**env) != protocol::ApplyResult::kApplied) ++base_seq_fail;
      if (t > 0) {
        base_samples += wire_rows[w];
        base_frames += 1;
      }
    }
    if (t > 0) base_cpu += thread_cpu_s() - c0;
  }
  const double base_per_core = base_samples / base_cpu;
  std::printf("baseline: %d ticks x %d nodes, %.0f frames, %.0f rows decoded and applied by NodeModel in %.3f s CPU "
              "(%llu not applied)\n",
              base_ticks, args.agents, base_frames, base_samples, base_cpu,
              static_cast<unsigned long long>(base_seq_fail));

  std::printf("\n| measure | collector | baseline (decode + NodeModel::apply) | ratio | goal |\n|---|---|---|---|---|\n");
  std::printf("| process samples/s per core | %.0f (%.0f rows / %.2f s CPU) | %.0f | %.3fx (%.1fx the CPU a row) | >= "
              "1,000,000 |\n",
              per_core, samples, cpu, base_per_core, per_core / base_per_core, base_per_core / per_core);
  std::printf("| the same above the collector's idle floor (%.1f%% of a core with every agent connected, no deltas) | %.0f | | %.3fx | |\n",
              100.0 * idle_rate, per_core_busy, per_core_busy / base_per_core);
  // Nodes at the achieved rate; the baseline's at the same rate.
  std::printf("| processes of the nodes covered per core-second (%.0f nodes x 10,000 / CPU s) | %.0f | %.0f | | |\n",
              node_seconds / wall, 10000.0 * node_seconds / cpu,
              10000.0 * args.agents * base_ticks / achieved_rate / base_cpu);
  std::printf("| nodes per core at this shape (%.2f Hz) | %.0f | %.0f | | |\n", achieved_rate, node_seconds / cpu,
              static_cast<double>(args.agents) * base_ticks / achieved_rate / base_cpu);
  std::printf("| history memory per node-hour (the store's bytes) | %.2f MiB | | | |\n", history_per_nh / 1048576.0);
  std::printf("| RSS growth per node-hour | %.2f MiB | | | |\n", rss_per_nh / 1048576.0);
  if (args.record)
    std::printf("| recording bytes per node-hour | %.2f MiB | wire deltas %.2f MiB | %.2fx smaller | |\n",
                rec_per_nh / 1048576.0, wire_per_nh / 1048576.0, wire_per_nh / rec_per_nh);
  std::printf("\nRESULT agents=%d rate=%g achieved_rate=%.3f seconds=%.1f samples=%.0f cpu_s=%.3f samples_per_core=%.0f baseline_per_core=%.0f "
              "ratio=%.4f idle_core=%.4f samples_per_core_above_idle=%.0f history_mib_per_node_hour=%.3f rss_mib_per_node_hour=%.3f recording_mib_per_node_hour=%.3f "
              "wire_mib_per_node_hour=%.3f received=%.0f deltas=%.0f lag_s=%.1f\n",
              args.agents, args.rate, achieved_rate, wall, samples, cpu, per_core, base_per_core, per_core / base_per_core, idle_rate, per_core_busy,
              history_per_nh / 1048576.0, rss_per_nh / 1048576.0, rec_per_nh / 1048576.0, wire_per_nh / 1048576.0,
              received, deltas, lag_s);

  int missed = 0;
  const double expected = static_cast<double>(args.agents) * args.seconds * args.rate;
  missed += bound("deltas published / agents x seconds x rate", deltas / expected, ">=", args.smoke ? 0.5 : 0.9);
  missed += bound("collector applied and forwarded / deltas published", forwarded / deltas, ">=", 0.99);
  missed += bound("rejected + resyncs + dropped + cut", (s1.rejected - s0.rejected) + (s1.resyncs - s0.resyncs) +
                                                         (s1.dropped - s0.dropped) + (s1.cut - s0.cut) +
                                                         (s1.history_dropped - s0.history_dropped) +
                                                         (s1.rec_dropped - s0.rec_dropped) +
                                                         static_cast<double>(refused1 - refused0),
                  "<=", 0);
  missed += bound("served state's lag behind the agents, s (kept up)", lag_s, "<=", 5);
  missed += bound("process samples/s per core (goal 1,000,000)", per_core, ">=", args.smoke ? 10'000 : 1'000'000);
  missed += bound("samples/s per core, collector / baseline", per_core / base_per_core, ">=", args.smoke ? 0.01 : 0.05);
  // A tick a second: the node-hour's 3,600 ticks; at `rate`, rate x as many.
  missed += bound("history MiB per node-hour", history_per_nh / 1048576.0, "<=", 8 * std::max(1.0, args.rate));
  if (args.record)
    missed += bound("recording MiB per node-hour", rec_per_nh / 1048576.0, "<=", 64 * std::max(1.0, args.rate));
  std::printf(missed ? "bounds MISSED\n" : "all bounds met\n");
  if (!dir_given) fs::remove_all(args.dir);
  (void)first_tick_rows;
  return missed ? 1 : 0;
}
