// See collector_probe.hpp.
#include "collector_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace beamscope::bench {

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

namespace {
// utime + stime of a /proc/.../stat line, seconds; its comm into `name`.
double stat_cpu_s(const std::string& line, std::string* name) {
  const auto open = line.find('('), close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return -1;
  if (name) *name = line.substr(open + 1, close - open - 1);
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  std::vector<std::string> fields;
  while (rest >> field) fields.push_back(field);
  if (fields.size() < 13) return -1;
  const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return (std::stod(fields[11]) + std::stod(fields[12])) / hz;
}
}  // namespace

// utime + stime of every thread of `pid`, in seconds.
double proc_cpu_s(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  return stat_cpu_s(line, nullptr);
}

std::map<int, ThreadCpu> thread_cpu(pid_t pid) {
  std::map<int, ThreadCpu> out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::ifstream f(entry.path() / "stat");
    std::string line;
    if (!std::getline(f, line)) continue;  // the thread ended meanwhile
    ThreadCpu t;
    t.cpu_s = stat_cpu_s(line, &t.name);
    if (t.cpu_s >= 0) out[std::atoi(entry.path().filename().c_str())] = t;
  }
  return out;
}

std::map<std::string, double> thread_cpu_by_kind(const std::map<int, ThreadCpu>& before,
                                                 const std::map<int, ThreadCpu>& after) {
  std::map<std::string, double> out{{"links", 0}, {"server", 0}, {"recorder", 0}, {"libzmq", 0}, {"http", 0}};
  for (const auto& [tid, t] : after) {
    auto was = before.find(tid);
    const double spent = t.cpu_s - (was == before.end() ? 0.0 : was->second.cpu_s);
    const std::string kind = t.name == "bs-stream"               ? "server"
                             : t.name == "bs-record"             ? "recorder"
                             : t.name.rfind("ZMQbg", 0) == 0     ? "libzmq"
                             : t.name.rfind("civetweb", 0) == 0  ? "http"
                                                                 : "links";
    out[kind] += spent;
  }
  return out;
}

// VmRSS of `pid`, bytes.
double proc_rss(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) * 1024.0;
  }
  return -1;
}

// GET /metrics over plain HTTP/1.0; the body, or "" when it failed.
std::string scrape(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string req = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[65536];
      for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  const auto body = out.find("\r\n\r\n");
  if (out.rfind("HTTP/1.", 0) != 0 || out.find(" 200 ") > 12 || body == std::string::npos) return {};
  return out.substr(body + 4);
}

namespace {
// The value of every series of family `name` in an exposition.
std::vector<double> series_values(const std::string& body, const std::string& name) {
  std::vector<double> values;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
    const char c = line[name.size()];
    if (c != '{' && c != ' ') continue;
    values.push_back(std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr));
  }
  return values;
}
}  // namespace

double metric(const std::string& body, const std::string& name) {
  double sum = 0;
  for (const double v : series_values(body, name)) sum += v;
  return sum;
}

double metric_min(const std::string& body, const std::string& name) {
  const auto values = series_values(body, name);
  return values.empty() ? -1 : *std::min_element(values.begin(), values.end());
}

Scrape read_metrics(int port) {
  Scrape s;
  const std::string body = scrape(port);
  if (body.empty()) return s;
  s.ok = true;
  s.received = metric(body, "beamscope_collector_frames_received_total");
  s.forwarded = metric(body, "beamscope_collector_frames_forwarded_total");
  s.rejected = metric(body, "beamscope_collector_frames_rejected_total");
  s.resyncs = metric(body, "beamscope_collector_resyncs_total");
  s.connected = metric(body, "beamscope_collector_agents_connected");
  s.nodes = metric(body, "beamscope_collector_nodes");
  s.dropped = metric(body, "beamscope_collector_frames_dropped_total");
  s.cut = metric(body, "beamscope_collector_state_cut_total");
  s.history_bytes = metric(body, "beamscope_collector_history_bytes");
  s.history_dropped = metric(body, "beamscope_collector_history_dropped_total");
  s.rec_frames = metric(body, "beamscope_collector_recording_frames_total");
  s.rec_dropped = metric(body, "beamscope_collector_recording_dropped_total");
  s.rec_bytes = metric(body, "beamscope_collector_recording_bytes");
  s.oldest_update_s = metric_min(body, "beamscope_last_update_timestamp_seconds");
  return s;
}

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

}  // namespace beamscope::bench
