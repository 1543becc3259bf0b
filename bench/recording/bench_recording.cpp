// bench/recording (issue 15): a generated fleet recorded for an hour, then
//   size:  recording bytes per node-hour vs the raw stream's bytes
//          (the Envelopes as received), i.e. the compression ratio;
//   seek:  rebuilding every node's state at a random time by the index
//          (one segment decoded) vs reading from the start up to it.
// Prints one line a measure, then the bounds (--smoke: generous ones,
// exit 1 when one is missed).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/recording/history_index.hpp"
#include "beamscope/recording/reader.hpp"
#include "beamscope/recording/writer.hpp"
#include "bench_bound.hpp"
#include "fleet_gen.hpp"

using namespace beamscope;
using beamscope::bench::bound;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// This thread's CPU time: on a loaded shared host the wall time of a seek
// is mostly waiting for a core; both are printed.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct Args {
  int nodes = 20;
  int seconds = 3600;
  int seeks = 40;
  int from_start = 3;
  bool smoke = false;
  bool keep = false;  // leave the file (e.g. as a fuzz seed)
  std::string file;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (k == "--nodes") a.nodes = std::stoi(next());
    else if (k == "--seconds") a.seconds = std::stoi(next());
    else if (k == "--seeks") a.seeks = std::stoi(next());
    else if (k == "--from-start") a.from_start = std::stoi(next());
    else if (k == "--file") a.file = next();
    else if (k == "--smoke") a.smoke = true;
    else if (k == "--keep") a.keep = true;
    else {
      std::fprintf(stderr, "usage: bench_recording [--nodes N] [--seconds S] [--seeks K] [--from-start K] [--file F [--keep]] [--smoke]\n");
      std::exit(2);
    }
  }
  if (a.smoke) {
    a.seconds = std::min(a.seconds, 600);
    a.seeks = std::min(a.seeks, 15);
    a.from_start = std::min(a.from_start, 2);
  }
  if (a.file.empty())
    a.file = (std::filesystem::temp_directory_path() / ("bench_recording_" + std::to_string(::getpid()) + ".bsrec")).string();
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  std::filesystem::remove(args.file);
  std::printf("recording bench: %d nodes x %d s (a frame a node a second, keyframes every 10 s)%s\n", args.nodes,
              args.seconds, args.smoke ? " [smoke]" : "");

  // Record.
  testing::FleetGen gen({.nodes = args.nodes});
  std::string error;
  auto writer = recording::Writer::open(args.file, {}, error);
  if (!writer) {
    std::fprintf(stderr, "bench_recording: %s\n", error.c_str());
    return 1;
  }
  double gen_ms = 0, write_ms = 0;
  for (int s = 0; s < args.seconds; ++s) {
    auto t0 = Clock::now();
    const auto frames = gen.tick();
    gen_ms += ms_since(t0);
    t0 = Clock::now();
    for (const auto& env : frames) writer->append(env, gen.now_us());
    write_ms += ms_since(t0);
  }
  writer->close();
  const auto& ws = writer->stats();
  const double node_hours = args.nodes * args.seconds / 3600.0;
  const double ratio = static_cast<double>(ws.frame_bytes) / static_cast<double>(ws.file_bytes);
  std::printf("stream: %llu frames, %.1f MiB raw (%.2f MiB per node-hour)\n",
              static_cast<unsigned long long>(ws.frames), ws.frame_bytes / 1048576.0,
              ws.frame_bytes / 1048576.0 / node_hours);
  std::printf("recording: %.1f MiB (%.2f MiB per node-hour), %llu segments, %llu chunks, checkpoints %.1f MiB raw\n",
              ws.file_bytes / 1048576.0, ws.file_bytes / 1048576.0 / node_hours,
              static_cast<unsigned long long>(ws.segments), static_cast<unsigned long long>(ws.chunks),
              ws.checkpoint_bytes / 1048576.0);
  std::printf("compression: raw stream / recording = %.2fx\n", ratio);
  std::printf("writer cost: %.1f us per frame (%.2f%% of one core at %d frames/s)\n", 1000.0 * write_ms / ws.frames,
              100.0 * (1000.0 * write_ms / ws.frames) * args.nodes / 1e6, args.nodes);

  // Seek.
  auto t0 = Clock::now();
  auto reader = recording::Reader::open(args.file, error);
  if (!reader) {
    std::fprintf(stderr, "bench_recording: %s\n", error.c_str());
    return 1;
  }
  const double open_ms = ms_since(t0);
  std::mt19937_64 rng(7);
  const std::int64_t first = reader->first_us(), last = reader->last_us();
  std::vector<double> seek_ms, seek_cpu;
  std::vector<std::int64_t> times;
  for (int i = 0; i < args.seeks; ++i) times.push_back(first + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(last - first + 1)));
  times.push_back(last);
  std::size_t nodes_seen = 0;
  for (auto t : times) {
    t0 = Clock::now();
    const double c0 = cpu_ms();
    const auto state = reader->state_at(t);
    seek_cpu.push_back(cpu_ms() - c0);
    seek_ms.push_back(ms_since(t0));
    nodes_seen = std::max(nodes_seen, state.fleet.size());
    if (state.damage) std::printf("unexpected damage: %s\n", state.damage->describe().c_str());
  }
  std::vector<double> sorted = seek_ms;
  std::sort(sorted.begin(), sorted.end());
  const double p50 = sorted[sorted.size() / 2], worst = sorted.back();
  std::sort(seek_cpu.begin(), seek_cpu.end());
  const double cpu_p50 = seek_cpu[seek_cpu.size() / 2], cpu_worst = seek_cpu.back();
  std::printf("open (index of %zu chunks): %.2f ms\n", reader->chunks().size(), open_ms);
  std::printf("seek by index: wall p50 %.1f ms, max %.1f ms; CPU p50 %.1f ms, max %.1f ms over %zu times (%zu nodes "
              "rebuilt)\n", p50, worst, cpu_p50, cpu_worst, seek_ms.size(), nodes_seen);

  // The charts' past after a seek (the inspector builds it on a worker
  // thread, gui/model/replay_history.hpp): every node's hour before the
  // time, cold (its segments decoded) and after a 10 s step back (kept).
  recording::HistoryIndex index(*reader);
  auto past = [&](std::int64_t t) {
    const std::int64_t from = t - 3'600'000'000 + 1;
    for (auto seg : index.missing(from, t)) index.add(seg, from, t);
    return index.histories(from, t);
  };
  double p0 = cpu_ms();
  const std::size_t past_nodes = past(last).size();
  const double past_cold = cpu_ms() - p0;
  p0 = cpu_ms();
  past(last - 10'000'000);
  const double past_warm = cpu_ms() - p0;
  std::printf("charts' past (the hour before the end, worker thread): CPU %.1f ms cold, %.1f ms after a 10 s step "
              "back; %zu nodes, %.1f MiB of ticks kept\n",
              past_cold, past_warm, past_nodes, index.bytes() / 1048576.0);

  // Baseline: read from the start up to the time, applying every frame.
  std::vector<double> scan_ms, scan_cpu;
  for (int i = 0; i < args.from_start; ++i) {
    const std::int64_t t = last - static_cast<std::int64_t>(i) * (last - first) / (2 * args.from_start + 1);
    t0 = Clock::now();
    const double c0 = cpu_ms();
    protocol::FleetModel fleet(protocol::kLargestLimits);
    reader->scan([&](const recording::Record& r) {
      if (r.time_us > t) return false;
      if (r.kind == recording::RecordKind::kFrame) fleet.apply(r.envelope);
      return true;
    });
    scan_cpu.push_back(cpu_ms() - c0);
    scan_ms.push_back(ms_since(t0));
  }
  double scan_mean = 0, scan_cpu_mean = 0;
  for (double v : scan_ms) scan_mean += v;
  for (double v : scan_cpu) scan_cpu_mean += v;
  scan_mean /= std::max<std::size_t>(1, scan_ms.size());
  scan_cpu_mean /= std::max<std::size_t>(1, scan_cpu.size());
  std::printf("from the start (late half of the file): wall mean %.1f ms, CPU mean %.1f ms over %zu times\n",
              scan_mean, scan_cpu_mean, scan_ms.size());
  std::printf("from the start / seek by index (p50): wall %.1fx, CPU %.1fx\n", scan_mean / p50,
              scan_cpu_mean / cpu_p50);
  std::printf("RESULT nodes=%d seconds=%d raw_bytes=%llu file_bytes=%llu ratio=%.2f mib_per_node_hour=%.3f "
              "open_ms=%.2f seek_p50_ms=%.2f seek_max_ms=%.2f seek_cpu_p50_ms=%.2f seek_cpu_max_ms=%.2f from_start_ms=%.1f "
              "from_start_cpu_ms=%.1f\n",
              args.nodes, args.seconds, static_cast<unsigned long long>(ws.frame_bytes),
              static_cast<unsigned long long>(ws.file_bytes), ratio, ws.file_bytes / 1048576.0 / node_hours, open_ms,
              p50, worst, cpu_p50, cpu_worst, scan_mean, scan_cpu_mean);
  if (!args.keep) std::filesystem::remove(args.file);

  int missed = 0;
  // Generous bounds (a loaded shared host), goals in parentheses in bench/README.md.
  // Seek by CPU time (wall time on this host is mostly waiting for a core).
  missed += bound("seek max CPU ms incl. open (goal 100)", cpu_worst + open_ms, "<=", args.smoke ? 500 : 100);
  missed += bound("compression ratio raw/recording (goal 4)", ratio, ">=", 2);
  missed += bound("from the start / seek, CPU", scan_cpu_mean / cpu_p50, ">=", args.smoke ? 2 : 10);
  missed += bound("nodes rebuilt", static_cast<double>(nodes_seen), ">=", args.nodes);
  missed += bound("nodes with a past", static_cast<double>(past_nodes), ">=", args.nodes);
  std::printf(missed ? "bounds MISSED\n" : "all bounds met\n");
  return missed ? 1 : 0;
}
