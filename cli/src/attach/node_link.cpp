// The attach C node's connection: epmd probe (its own few bytes of the
// epmd protocol, so "epmd down" and "node not running" are told apart),
// then ei_connect_tmo as a hidden node, then rpc calls through `rex`.
#include "attach/node_link.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>

#include <ei.h>

namespace beamscope::cli::attach {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

int epmd_port() {
  if (const char* env = std::getenv("ERL_EPMD_PORT")) {
    const int p = std::atoi(env);
    if (p > 0 && p < 65536) return p;
  }
  return 4369;
}

/// Connects a TCP socket to host:port within the deadline; -1 and errno.
int connect_tcp(const std::string& host, int port, Clock::time_point deadline, std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
    why = "cannot resolve host " + host + ": " + gai_strerror(rc);
    return -2;
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int err = 0;
  if (fd < 0) {
    err = errno;
  } else if (::connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      const int n = ::poll(&p, 1, remaining_ms(deadline));
      socklen_t len = sizeof err;
      err = n == 0 ? ETIMEDOUT : 0;
      if (n > 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    }
  }
  freeaddrinfo(res);
  if (err != 0) {
    if (fd >= 0) ::close(fd);
    why = std::strerror(err);
    errno = err;
    return -1;
  }
  return fd;
}

bool io_all(int fd, char* buf, std::size_t len, bool writing, Clock::time_point deadline) {
  std::size_t done = 0;
  while (done < len) {
    pollfd p{fd, static_cast<short>(writing ? POLLOUT : POLLIN), 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
    const ssize_t n = writing ? ::send(fd, buf + done, len - done, MSG_NOSIGNAL)
                              : ::recv(fd, buf + done, len - done, 0);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void init_ei_once() {
  static std::once_flag once;
  std::call_once(once, [] { ei_init(); });
}

}  // namespace

struct NodeLink::State {
  ei_cnode cnode{};
};

std::string local_short_host() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  std::string host(name);
  return host.substr(0, host.find('.'));
}

std::optional<NodeAddress> parse_node_name(const std::string& text) {
  NodeAddress a;
  const auto at = text.find('@');
  a.alive = text.substr(0, at);
  a.host = at == std::string::npos ? local_short_host() : text.substr(at + 1);
  auto ok_part = [](const std::string& s) {
    if (s.empty() || s.size() > 255) return false;
    for (unsigned char c : s)
      if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.')) return false;
    return true;
  };
  if (!ok_part(a.alive) || !ok_part(a.host) || a.alive.find('.') != std::string::npos) return std::nullopt;
  return a;
}

std::string resolve_cookie(const std::string& cookie, const std::string& cookie_file, std::string& error) {
  if (!cookie.empty()) return cookie;
  std::string path = cookie_file;
  if (path.empty()) {
    const char* home = std::getenv("HOME");
    path = std::string(home ? home : "") + "/.erlang.cookie";
  }
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    error = "cannot read the cookie from " + path + " (give --cookie or --cookie-file)";
    return {};
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.empty()) error = "the cookie file " + path + " is empty";
  return line;
}

NodeLink::~NodeLink() {
  if (fd_ >= 0) ei_close_connection(fd_);
  delete state_;
}

LinkError NodeLink::probe_epmd(const NodeAddress& node, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string why;
  const int port = epmd_port();
  const int fd = connect_tcp(node.host, port, deadline, why);
  if (fd == -2) {
    error_ = why;
    return LinkError::BadName;
  }
  if (fd < 0) {
    const bool timed_out = errno == ETIMEDOUT;
    error_ = "epmd is not running on " + node.host + " (port " + std::to_string(port) + ": " + why +
             "), so no node " + node.full() + " can be running there";
    return timed_out ? LinkError::Timeout : LinkError::NoEpmd;
  }
  // PORT_PLEASE2_REQ: length, 'z', name. Reply: 'w', result (0 = known).
  std::string req(3, '\0');
  req[0] = static_cast<char>(((node.alive.size() + 1) >> 8) & 0xff);
  req[1] = static_cast<char>((node.alive.size() + 1) & 0xff);
  req[2] = 'z';
  req += node.alive;
  char reply[2] = {};
  const bool ok = io_all(fd, req.data(), req.size(), true, deadline) && io_all(fd, reply, 2, false, deadline);
  ::close(fd);
  if (!ok) {
    error_ = "epmd on " + node.host + " did not answer within " + std::to_string(timeout_ms) + " ms";
    return LinkError::Timeout;
  }
  if (reply[0] != 'w' || reply[1] != 0) {
    error_ = "node " + node.full() + " is not running (epmd on " + node.host + " does not know " +
             node.alive + ")";
    return LinkError::NodeNotRunning;
  }
  return LinkError::None;
}

LinkError NodeLink::connect(const NodeAddress& node, const std::string& cookie, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  node_ = node.full();
  if (const auto e = probe_epmd(node, timeout_ms); e != LinkError::None) return e;
  init_ei_once();
  state_ = new State;
  // Same host as the node (the NIF loads from this machine's disk), so the
  // node's own host part is a name it accepts, short or long alike.
  const std::string alive = "beamscope_ctl_" + std::to_string(::getpid());
  const std::string self = alive + "@" + node.host;
  Erl_IpAddr addr{};
  in_addr loop{};
  loop.s_addr = htonl(INADDR_LOOPBACK);
  addr = reinterpret_cast<Erl_IpAddr>(&loop);
  const auto creation = static_cast<unsigned>(::time(nullptr) & 0x7fffffff) | 4u;
  if (ei_connect_xinit(&state_->cnode, node.host.c_str(), alive.c_str(), self.c_str(), addr,
                       cookie.c_str(), creation) < 0) {
    error_ = "cannot set up the local C node " + self;
    return LinkError::Other;
  }
  const int left = remaining_ms(deadline);
  fd_ = ei_connect_tmo(&state_->cnode, const_cast<char*>(node_.c_str()), static_cast<unsigned>(left > 0 ? left : 1));
  if (fd_ >= 0) return LinkError::None;
  const int err = erl_errno;
  if (err == ETIMEDOUT) {
    error_ = "node " + node_ + " did not complete the distribution handshake within " +
             std::to_string(timeout_ms) + " ms";
    return LinkError::Timeout;
  }
  // epmd knows the node, so a refused handshake is an authentication
  // failure: the node closes the connection on a wrong challenge reply.
  error_ = "node " + node_ + " rejected the connection: wrong cookie (the node logs the rejected attempt from " +
           self + ")";
  return LinkError::Refused;
}

std::optional<Term> NodeLink::call(const std::string& module, const std::string& function,
                                   const std::vector<Term>& args, int timeout_ms) {
  if (fd_ < 0) {
    error_ = "not connected";
    return std::nullopt;
  }
  ei_x_buff out;
  ei_x_new(&out);
  const bool encoded = encode(Term::list(args), out);
  const int sent = encoded ? ei_rpc_to(&state_->cnode, fd_, const_cast<char*>(module.c_str()),
                                       const_cast<char*>(function.c_str()), out.buff, out.index)
                           : -1;
  ei_x_free(&out);
  if (sent < 0) {
    error_ = "cannot send the call " + module + ":" + function + " to " + node_;
    return std::nullopt;
  }
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  ei_x_buff in;
  ei_x_new(&in);
  std::optional<Term> result;
  for (;;) {
    erlang_msg msg{};
    in.index = 0;
    const int left = remaining_ms(deadline);
    const int rc = left > 0 ? ei_rpc_from(&state_->cnode, fd_, left, &msg, &in) : ERL_ERROR;
    if (rc == ERL_TICK) continue;
    if (rc == ERL_MSG) {
      int index = 0, version = 0, arity = 0;
      char tag[MAXATOMLEN_UTF8] = {};
      Term reply;
      if (ei_decode_version(in.buff, &index, &version) == 0 &&
          ei_decode_tuple_header(in.buff, &index, &arity) == 0 && arity == 2 &&
          ei_decode_atom(in.buff, &index, tag) == 0 && std::strcmp(tag, "rex") == 0 &&
          decode(in.buff, &index, reply)) {
        result = std::move(reply);
        break;
      }
      continue;  // not the rpc reply
    }
    error_ = left > 0 && erl_errno != ETIMEDOUT
                 ? "the connection to " + node_ + " was lost during " + module + ":" + function
                 : "no reply from " + node_ + " to " + module + ":" + function + " within " +
                       std::to_string(timeout_ms) + " ms";
    break;
  }
  ei_x_free(&in);
  return result;
}

const char* link_error_name(LinkError e) {
  switch (e) {
    case LinkError::None: return "none";
    case LinkError::BadName: return "bad_name";
    case LinkError::NoEpmd: return "epmd_not_running";
    case LinkError::NodeNotRunning: return "node_not_running";
    case LinkError::Refused: return "wrong_cookie";
    case LinkError::Timeout: return "timeout";
    case LinkError::Other: return "error";
  }
  return "error";
}

}  // namespace beamscope::cli::attach
