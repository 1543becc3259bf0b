// What attach records about a node before it changes anything, and what
// detach checks afterwards: the node's OS pid and thread count, its
// system_monitor owner, the scheduler_wall_time flag, and a checked rpc.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attach/node_link.hpp"
#include "attach/term.hpp"

namespace beamscope::cli::attach {

/// Exit codes of attach and detach (beside ctl's 0, 1 and 2).
inline constexpr int kExitAlreadyRunning = 3;  ///< attach: the agent runs there already
inline constexpr int kExitNotAttached = 3;     ///< detach: no agent there to detach

/// A call whose {badrpc, _} reply or transport failure becomes `error`.
std::optional<Term> checked_call(NodeLink& link, const std::string& module, const std::string& function,
                                 const std::vector<Term>& args, int timeout_ms, std::string& error);

struct NodeBaseline {
  long long os_pid = 0;
  int threads = -1;                ///< /proc/<pid>/task entries; -1 unreadable
  std::string system_monitor;      ///< printed erlang:system_monitor()
  bool scheduler_wall_time = false;
};

/// Reads the baseline; false and `error` on a failed call.
bool read_baseline(NodeLink& link, int timeout_ms, NodeBaseline& out, std::string& error);

/// Threads of an OS process on this host; -1 when /proc is not readable.
int thread_count(long long os_pid);

/// Names of the threads of an OS process (its /proc/<pid>/task/*/comm).
std::vector<std::string> thread_names(long long os_pid);

/// True when something accepts TCP connections on HOST:PORT.
bool tcp_listening(const std::string& host_port);

}  // namespace beamscope::cli::attach
