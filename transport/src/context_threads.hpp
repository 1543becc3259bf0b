// CPU time of the threads libzmq starts for one context (its I/O thread and
// its reaper), so that a program that promises a CPU budget (the agent)
// can charge them. The context's threads are named "<N>/ZMQbg/..." through
// ZMQ_THREAD_NAME_PREFIX and found in /proc/self/task by that name.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

#include <zmq.hpp>

namespace beamscope::transport {

/// CPU time of thread `tid` of this process, nanoseconds (0 when gone).
std::uint64_t task_cpu_ns(pid_t tid);

/// CPU time of the calling thread, nanoseconds.
std::uint64_t own_thread_cpu_ns();

/// Lowers thread `tid`'s priority by `steps` nice levels (Linux keeps a
/// nice value per thread), to 19 at most; never raises it, so no privilege
/// is needed. False when the kernel refused (the thread runs on as it was).
bool lower_priority(pid_t tid, int steps);

class ContextThreads {
 public:
  /// Names the threads of `ctx`; call before its first socket is created.
  /// When found, each is lowered by `nice_steps` (lower_priority).
  explicit ContextThreads(zmq::context_t& ctx, int nice_steps = 0);

  /// CPU time of the context's threads so far. The threads start with the
  /// first socket and name themselves: until both are found, each call
  /// looks them up again (a scan of /proc/self/task, a few dozen files).
  std::uint64_t cpu_ns();

 private:
  int prefix_ = 0;
  int nice_steps_ = 0;
  std::vector<pid_t> tids_;
  std::uint64_t last_ns_ = 0;  // never goes back, should a thread end
};

}  // namespace beamscope::transport
