// What bench/ingest reads of a running process from outside: CPU time and
// RSS from /proc, the collector's /metrics (plain HTTP/1.0 on loopback)
// and the recording's size.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

namespace beamscope::bench {

/// This thread's CPU time, seconds.
double thread_cpu_s();
/// utime + stime of every thread of `pid`, seconds; -1 when unreadable.
double proc_cpu_s(pid_t pid);
/// CPU seconds (utime + stime) of each thread of `pid` now, by thread id,
/// with the thread's name (its comm).
struct ThreadCpu {
  std::string name;
  double cpu_s = 0;
};
std::map<int, ThreadCpu> thread_cpu(pid_t pid);
/// The CPU each kind of the collector's threads spent between two
/// thread_cpu() readings (threads started since count from 0), by kind:
/// "server" (bs-stream), "recorder" (bs-record), "libzmq" (ZMQbg/*),
/// "http" (civetweb), "links" (every other: the links' threads and main).
std::map<std::string, double> thread_cpu_by_kind(const std::map<int, ThreadCpu>& before,
                                                 const std::map<int, ThreadCpu>& after);
/// VmRSS of `pid`, bytes; -1 when unreadable.
double proc_rss(pid_t pid);
/// GET /metrics on 127.0.0.1:`port`; the body, or "" when it failed.
std::string scrape(int port);
/// Sum of every series of family `name` in an exposition.
double metric(const std::string& body, const std::string& name);
/// Smallest value of family `name` over its series; -1 when none.
double metric_min(const std::string& body, const std::string& name);

/// The collector's figures the benchmark reads, from one scrape.
struct Scrape {
  double received = 0, forwarded = 0, rejected = 0, resyncs = 0, connected = 0, nodes = 0, dropped = 0, cut = 0;
  double history_bytes = 0, history_dropped = 0, rec_frames = 0, rec_dropped = 0, rec_bytes = 0;
  double oldest_update_s = -1;  // the node whose state the collector serves is the oldest: its sample's time
  bool ok = false;
};
Scrape read_metrics(int port);

/// Size of the file at `path`, 0 when there is none.
std::uint64_t file_size(const std::string& path);

}  // namespace beamscope::bench
