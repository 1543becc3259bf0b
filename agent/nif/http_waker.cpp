#include "http_waker.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "beamscope/exporters/metrics_http.hpp"

namespace beamscope::agent {

namespace {

// A wildcard bind is reached through loopback.
std::string connect_host(std::string host) {
  if (!host.empty() && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "0.0.0.0" || host == "*") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

void poke(const addrinfo* ai) {
  const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
  if (fd < 0) return;
  // Non-blocking: the SYN alone wakes the poll; the server sees EOF.
  (void)::connect(fd, ai->ai_addr, ai->ai_addrlen);
  ::close(fd);
}

}  // namespace

void stop_http_promptly(const std::string& listen, int port, const std::function<void()>& destroy) {
  addrinfo* ai = nullptr;
  const auto colon = listen.rfind(':');
  if (port > 0 && colon != std::string::npos) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    // Numeric only: never a DNS lookup while stopping.
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    const std::string host = connect_host(listen.substr(0, colon));
    if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &ai) != 0) ai = nullptr;
  }
  if (ai == nullptr) {
    destroy();
    return;
  }
  std::atomic<bool> done{false};
  std::thread waker([&] {
    while (!done.load()) {
      poke(ai);
      // Workers blocked on stalled clients wait in 2 s slices too.
      exporters::shutdown_accepted_connections(port);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  destroy();
  done = true;
  waker.join();
  ::freeaddrinfo(ai);
}

}  // namespace beamscope::agent
