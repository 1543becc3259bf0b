// A ZMTP 3.1 peer over a bare TCP socket (NULL mechanism), for tests that
// must see or hold what libzmq hides: the PING commands a ZeroMQ socket
// sends, a server that takes a connection and then never answers, a client
// that completes its greeting (or nothing) and stays silent. Blocking
// calls all take a time limit.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

namespace beamscope::transport::testing {

/// One ZMTP frame: a command (PING, READY ...) or a message part.
struct ZmtpFrame {
  bool command = false;
  bool more = false;
  std::string body;
  /// A command's name ("PING"), empty for a message part.
  std::string command_name() const {
    if (!command || body.empty()) return {};
    const auto n = static_cast<unsigned char>(body[0]);
    return body.substr(1, n);
  }
};

class RawTcp {
 public:
  explicit RawTcp(int fd = -1) : fd_(fd) {}
  RawTcp(RawTcp&& o) noexcept : fd_(o.fd_), eof_(o.eof_) { o.fd_ = -1; }
  RawTcp& operator=(RawTcp&& o) noexcept {
    std::swap(fd_, o.fd_);
    std::swap(eof_, o.eof_);
    return *this;
  }
  ~RawTcp() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  /// The peer closed (or reset) the connection: seen by a read.
  bool eof() const { return eof_; }

  /// A TCP connection to 127.0.0.1:port (blocking connect on loopback).
  static RawTcp connect_to(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return RawTcp();
    }
    return RawTcp(fd);
  }

  bool write_all(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const auto n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Exactly n bytes within `limit`; nullopt on time-out or end of stream.
  std::optional<std::string> read_exact(std::size_t n, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::string out;
    while (out.size() < n) {
      if (!wait_readable(deadline)) return std::nullopt;
      char buf[4096];
      const auto n_read = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
      if (n_read <= 0) {
        eof_ = true;
        return std::nullopt;
      }
      out.append(buf, static_cast<std::size_t>(n_read));
    }
    return out;
  }

  /// Waits up to `limit` for the peer to close; true when it did (whatever
  /// it sent before is read and discarded).
  bool closed_within(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!eof_) {
      if (!wait_readable(deadline)) return false;
      char buf[4096];
      if (::recv(fd_, buf, sizeof buf, 0) <= 0) eof_ = true;
    }
    return true;
  }

  // ---- ZMTP 3.1, NULL mechanism ----

  /// Sends our greeting, reads the peer's, exchanges READY. True when done within `limit`.
  bool zmtp_handshake(bool as_server, const std::string& socket_type, std::chrono::milliseconds limit) {
    if (!zmtp_greet(as_server) || !read_exact(64, limit)) return false;
    if (!write_all(ready_command(socket_type))) return false;
    auto ready = read_frame(limit);
    return ready && ready->command_name() == "READY";
  }

  /// Only the 64-byte greeting (no READY): a peer that stops half-way.
  bool zmtp_greet(bool as_server) { return write_all(greeting(as_server)); }

  /// The next frame within `limit`; nullopt on time-out or end of stream.
  std::optional<ZmtpFrame> read_frame(std::chrono::milliseconds limit) {
    auto flags = read_exact(1, limit);
    if (!flags) return std::nullopt;
    const auto f = static_cast<unsigned char>((*flags)[0]);
    std::uint64_t size = 0;
    if (f & 0x02) {
      auto s = read_exact(8, limit);
      if (!s) return std::nullopt;
      for (char c : *s) size = (size << 8) | static_cast<unsigned char>(c);
    } else {
      auto s = read_exact(1, limit);
      if (!s) return std::nullopt;
      size = static_cast<unsigned char>((*s)[0]);
    }
    auto body = read_exact(static_cast<std::size_t>(size), limit);
    if (!body) return std::nullopt;
    return ZmtpFrame{(f & 0x04) != 0, (f & 0x01) != 0, std::move(*body)};
  }

  /// One single-part message.
  bool send_message(const std::string& body) { return write_all(frame(0x00, body)); }

  static std::string greeting(bool as_server) {
    std::string g(64, '\0');
    g[0] = static_cast<char>(0xFF);
    g[9] = 0x7F;
    g[10] = 3;  // ZMTP 3.1
    g[11] = 1;
    std::memcpy(&g[12], "NULL", 4);
    g[32] = as_server ? 1 : 0;
    return g;
  }

  static std::string ready_command(const std::string& socket_type) {
    std::string body = "\x05READY";
    body += static_cast<char>(11);
    body += "Socket-Type";
    const auto n = static_cast<std::uint32_t>(socket_type.size());
    for (int shift = 24; shift >= 0; shift -= 8) body += static_cast<char>((n >> shift) & 0xFF);
    body += socket_type;
    return frame(0x04, body);
  }

  static std::string frame(unsigned char flags, const std::string& body) {
    std::string out;
    if (body.size() > 255) {
      out += static_cast<char>(flags | 0x02);
      for (int shift = 56; shift >= 0; shift -= 8)
        out += static_cast<char>((static_cast<std::uint64_t>(body.size()) >> shift) & 0xFF);
    } else {
      out += static_cast<char>(flags);
      out += static_cast<char>(body.size());
    }
    return out + body;
  }

 private:
  bool wait_readable(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
  }

  int fd_;
  bool eof_ = false;
};

/// A TCP listener on 127.0.0.1:<any port>.
class RawListener {
 public:
  RawListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    (void)::listen(fd_, 64);
    socklen_t len = sizeof a;
    (void)::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~RawListener() { ::close(fd_); }
  RawListener(const RawListener&) = delete;
  RawListener& operator=(const RawListener&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

  /// The next connection within `limit` (invalid on time-out).
  RawTcp accept_within(std::chrono::milliseconds limit) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return RawTcp();
    return RawTcp(::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC));
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace beamscope::transport::testing
