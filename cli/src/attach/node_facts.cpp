// Baseline and leftover checks that attach and detach share.
#include "attach/node_facts.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace beamscope::cli::attach {

namespace fs = std::filesystem;

std::optional<Term> checked_call(NodeLink& link, const std::string& module, const std::string& function,
                                 const std::vector<Term>& args, int timeout_ms, std::string& error) {
  auto reply = link.call(module, function, args, timeout_ms);
  if (!reply) {
    error = link.error();
    return std::nullopt;
  }
  if (reply->is_tagged("badrpc", 2)) {
    error = module + ":" + function + " failed in the node: " + to_text(reply->items[1]);
    return std::nullopt;
  }
  return reply;
}

bool read_baseline(NodeLink& link, int timeout_ms, NodeBaseline& out, std::string& error) {
  auto pid = checked_call(link, "os", "getpid", {}, timeout_ms, error);
  auto monitor = pid ? checked_call(link, "erlang", "system_monitor", {}, timeout_ms, error) : std::nullopt;
  auto swt = monitor ? checked_call(link, "erlang", "statistics", {Term::atom("scheduler_wall_time")},
                                    timeout_ms, error)
                     : std::nullopt;
  std::string pid_text;
  if (!swt) return false;
  if (!pid->as_text(pid_text)) {
    error = "os:getpid() returned " + to_text(*pid);
    return false;
  }
  out.os_pid = std::stoll(pid_text);
  out.threads = thread_count(out.os_pid);
  out.system_monitor = to_text(*monitor);
  out.scheduler_wall_time = !swt->is_atom("undefined");
  return true;
}

int thread_count(long long os_pid) {
  std::error_code ec;
  int n = 0;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(os_pid) + "/task", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec))
    ++n;
  return ec || n == 0 ? -1 : n;
}

std::vector<std::string> thread_names(long long os_pid) {
  std::vector<std::string> names;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(os_pid) + "/task", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::ifstream comm(it->path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.push_back(name);
  }
  return names;
}

bool tcp_listening(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host == "*" || host == "0.0.0.0") host = "127.0.0.1";
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), host_port.substr(colon + 1).c_str(), &hints, &res) != 0) return false;
  bool listening = false;
  const int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    // Loopback refuses at once; a blocking connect is fine here.
    listening = ::connect(fd, res->ai_addr, res->ai_addrlen) == 0;
    ::close(fd);
  }
  freeaddrinfo(res);
  return listening;
}

}  // namespace beamscope::cli::attach
