#include "context_threads.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace beamscope::transport {
namespace {
// Prefixes are numbers (libzmq 4.3 takes an int); names are cut at 15
// characters, so "N/ZMQbg/" must stay short: N stays under 10^6.
std::atomic<int> g_next_prefix{1};
constexpr std::size_t kIoAndReaper = 2;

std::uint64_t clock_ns(clockid_t clock) {
  timespec ts{};
  if (::clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}
}  // namespace

std::uint64_t task_cpu_ns(pid_t tid) {
  // The kernel's per-thread CPU clock id (what pthread_getcpuclockid
  // builds): any thread of this process, by tid, to the nanosecond.
  const clockid_t clock = static_cast<clockid_t>((~static_cast<unsigned>(tid)) << 3 | 6);
  return clock_ns(clock);
}

std::uint64_t own_thread_cpu_ns() { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }

bool lower_priority(pid_t tid, int steps) {
  if (steps <= 0) return true;
  errno = 0;
  const int now = ::getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  if (now == -1 && errno != 0) return false;
  return ::setpriority(PRIO_PROCESS, static_cast<id_t>(tid), std::min(now + steps, 19)) == 0;
}

ContextThreads::ContextThreads(zmq::context_t& ctx, int nice_steps)
    : prefix_(g_next_prefix.fetch_add(1) % 1000000), nice_steps_(nice_steps) {
  (void)zmq_ctx_set(ctx.handle(), ZMQ_THREAD_NAME_PREFIX, prefix_);
}

std::uint64_t ContextThreads::cpu_ns() {
  if (tids_.size() < kIoAndReaper) {
    const std::string want = std::to_string(prefix_) + "/ZMQbg/";
    if (DIR* dir = ::opendir("/proc/self/task")) {
      std::vector<pid_t> found;
      while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] == '.') continue;
        const std::string path = std::string("/proc/self/task/") + e->d_name + "/comm";
        char name[32] = {};
        if (FILE* f = std::fopen(path.c_str(), "re")) {
          const std::size_t n = std::fread(name, 1, sizeof name - 1, f);
          std::fclose(f);
          name[n] = '\0';
        }
        if (std::strncmp(name, want.c_str(), want.size()) == 0) found.push_back(std::atoi(e->d_name));
      }
      ::closedir(dir);
      if (found.size() > tids_.size()) {
        for (pid_t tid : found)
          if (std::find(tids_.begin(), tids_.end(), tid) == tids_.end()) (void)lower_priority(tid, nice_steps_);
        tids_ = std::move(found);
      }
    }
  }
  std::uint64_t ns = 0;
  for (pid_t tid : tids_) ns += task_cpu_ns(tid);
  last_ns_ = std::max(last_ns_, ns);
  return last_ns_;
}

}  // namespace beamscope::transport
