// stream_load: real ZeroMQ viewers and unauthorized clients against a
// stream server (agent or collector), for tests and benchmarks.
//
//   stream_load --endpoint tcp://127.0.0.1:PORT [--server-key agent.pub --key me.secret]
//               [--viewers N] [--seconds S] [--unlisted N] [--plaintext N]
//
// Viewers say Hello (streaming), send a heartbeat each second and count
// what arrives: keyframes, deltas, the longest gap between two deltas, the
// bytes of the frames and the bytes on the wire (TCP_INFO of each
// viewer's connection, whose fd the socket monitor's CONNECTED event
// carries). Unauthorized clients (--unlisted: CURVE with keys of their own
// that no server lists; --plaintext: no keys at all) connect over and over,
// each on a new socket as soon as the server refuses it, and count the
// refusals they were told of and any frame they got (there must be none).
//
// Prints "ready" once every viewer has its first keyframe (or after 60 s,
// with the viewers still waiting), then measures for S seconds and prints
// one JSON document.
#include <netinet/in.h>
#include <linux/tcp.h>  // tcp_info with tcpi_bytes_received (glibc's lacks it)
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/curve_keys.hpp"
#include "beamscope/transport/security.hpp"
#include "beamscope/transport/socket_presets.hpp"
#include "handshake_monitor.hpp"  // transport's own reader of socket monitor events

namespace {

using namespace beamscope;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr auto kReadyLimit = std::chrono::seconds(60);
// An unauthorized attempt the server neither refused nor answered in this
// long is abandoned (counted as stalled) and tried again on a new socket.
constexpr auto kAttemptLimit = std::chrono::seconds(5);

double ms_since(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

// Stops the monitor, then closes the socket, then the monitor's reader:
// libzmq's I/O thread blocks for good sending an event to a monitor whose
// reader is gone (it stalled every connection of this program).
void close_monitored(zmq::socket_t& watched, std::unique_ptr<transport::HandshakeMonitor>& mon) {
  if (watched.handle() != nullptr) zmq_socket_monitor(watched.handle(), nullptr, 0);
  watched.close();
  mon.reset();
}

std::string frame_of(protocol::Envelope env) { return protocol::encode(env, "", 0); }

std::string hello() {
  protocol::Envelope env;
  env.mutable_hello()->set_client("stream_load");
  env.mutable_hello()->set_want_stream(true);
  return frame_of(env);
}

std::string heartbeat() {
  protocol::Envelope env;
  env.mutable_heartbeat();
  return frame_of(env);
}

void send(zmq::socket_t& s, const std::string& payload) {
  zmq::message_t msg(payload.data(), payload.size());
  (void)s.send(msg, zmq::send_flags::dontwait);
}

std::uint64_t tcp_bytes_received(int fd) {
  if (fd < 0) return 0;
  tcp_info info{};
  socklen_t len = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return 0;
  return info.tcpi_bytes_received;
}

// One authorized (or plaintext, against a plaintext server) viewer.
struct Viewer {
  zmq::socket_t dealer;
  std::unique_ptr<transport::HandshakeMonitor> mon;
  int fd = -1;
  int connects = 0;
  bool has_keyframe = false;
  // Counted from the start of the measured window.
  std::uint64_t keyframes = 0, deltas = 0, other = 0, rejected = 0, app_bytes = 0;
  std::uint64_t wire_at_start = 0, wire_before_reconnects = 0;
  Clock::time_point last_delta{};
  double max_delta_gap_ms = 0;

  std::uint64_t wire_now() const { return wire_before_reconnects + tcp_bytes_received(fd); }
};

// One unauthorized client slot: a socket that is replaced after each refusal.
struct Intruder {
  bool curve = false;
  transport::CurveKeyPair keys;
  zmq::socket_t dealer;
  std::unique_ptr<transport::HandshakeMonitor> mon;
  Clock::time_point started{};
};

struct IntruderCounts {
  std::uint64_t attempts = 0, connections = 0, refused_auth = 0, refused_protocol = 0, handshakes_succeeded = 0, dropped = 0,
                stalled = 0, frames_received = 0;
};

class Load {
 public:
  Load(std::string endpoint, transport::ClientSecurity security) : endpoint_(std::move(endpoint)), security_(security) {
    ctx_.set(zmq::ctxopt::max_sockets, 8192);
    ctx_.set(zmq::ctxopt::io_threads, 2);
  }

  ~Load() {
    for (auto& v : viewers_) close_monitored(v->dealer, v->mon);
    for (auto& in : intruders_) close_monitored(in->dealer, in->mon);
  }

  void add_viewers(int n) {
    for (int i = 0; i < n; ++i) {
      auto v = std::make_unique<Viewer>();
      v->dealer = zmq::socket_t(ctx_, zmq::socket_type::dealer);
      transport::apply_presets(v->dealer);
      transport::apply_client_security(v->dealer, security_);
      v->mon = std::make_unique<transport::HandshakeMonitor>(
          ctx_, v->dealer,
          ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
              ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);
      v->dealer.connect(endpoint_);
      send(v->dealer, hello());
      viewers_.push_back(std::move(v));
    }
  }

  void add_intruders(int unlisted, int plaintext) {
    for (int i = 0; i < unlisted + plaintext; ++i) {
      auto in = std::make_unique<Intruder>();
      in->curve = i < unlisted;
      if (in->curve) in->keys = transport::generate_curve_keypair();
      intruders_.push_back(std::move(in));
      attempt(*intruders_.back());
    }
  }

  // Runs until every viewer has a keyframe (bounded); true when all did.
  bool wait_ready() {
    const auto limit = Clock::now() + kReadyLimit;
    while (Clock::now() < limit) {
      step(Clock::now(), /*measuring=*/false);
      if (std::all_of(viewers_.begin(), viewers_.end(), [](const auto& v) { return v->has_keyframe; })) return true;
    }
    return false;
  }

  void measure(std::chrono::milliseconds window) {
    const auto t0 = Clock::now();
    for (auto& v : viewers_) {
      v->wire_at_start = v->wire_now();
      v->last_delta = t0;
    }
    const auto end = t0 + window;
    for (auto now = t0; now < end; now = Clock::now()) step(now, /*measuring=*/true);
    elapsed_ms_ = ms_since(t0, Clock::now());
    // The gap from the last delta to the end of the window counts too: a
    // viewer starved at the end must not look healthy.
    for (auto& v : viewers_) v->max_delta_gap_ms = std::max(v->max_delta_gap_ms, ms_since(v->last_delta, end));
  }

  json report() const {
    json out;
    out["seconds"] = elapsed_ms_ / 1000.0;
    out["viewers"] = json::array();
    for (const auto& v : viewers_) {
      out["viewers"].push_back({{"keyframes", v->keyframes},
                                {"deltas", v->deltas},
                                {"other_frames", v->other},
                                {"rejected_frames", v->rejected},
                                {"app_bytes", v->app_bytes},
                                {"wire_bytes", v->wire_now() - v->wire_at_start},
                                {"connects", v->connects},
                                {"max_delta_gap_ms", v->max_delta_gap_ms}});
    }
    out["intruders"] = {{"clients", intruders_.size()}};
    for (int curve = 0; curve < 2; ++curve) {
      const IntruderCounts& c = counts_[curve];
      out["intruders"][curve ? "unlisted" : "plaintext"] = {{"attempts", c.attempts},
                                                           {"connections", c.connections},
                                                           {"refused_auth", c.refused_auth},
                                                           {"refused_protocol", c.refused_protocol},
                                                           {"handshakes_succeeded", c.handshakes_succeeded},
                                                           {"dropped", c.dropped},
                                                           {"stalled", c.stalled},
                                                           {"frames_received", c.frames_received}};
    }
    return out;
  }

 private:
  void attempt(Intruder& in) {
    close_monitored(in.dealer, in.mon);
    in.dealer = zmq::socket_t(ctx_, zmq::socket_type::dealer);
    transport::apply_presets(in.dealer);
    // One TCP connection per attempt: libzmq would otherwise reconnect a
    // socket the server hung up on before it told why, and the server would
    // count a refusal the client never saw (the test bounds the server's
    // count by the attempts).
    in.dealer.set(zmq::sockopt::reconnect_ivl, -1);
    if (in.curve) {
      transport::ClientSecurity sec{.server_public_key = security_.server_public_key, .own = in.keys};
      // Against a plaintext server an "unlisted" client still offers CURVE.
      if (sec.server_public_key.empty()) sec.server_public_key = transport::generate_curve_keypair().public_key;
      transport::apply_client_security(in.dealer, sec);
    }
    in.mon = std::make_unique<transport::HandshakeMonitor>(
        ctx_, in.dealer, ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | transport::HandshakeMonitor::kHandshakeEvents);
    in.dealer.connect(endpoint_);
    send(in.dealer, hello());  // queued; must never be answered
    in.started = Clock::now();
    ++counts_[in.curve].attempts;
  }

  void step(Clock::time_point now, bool measuring) {
    std::vector<zmq::pollitem_t> items;
    for (auto& v : viewers_) {
      items.push_back({v->dealer.handle(), 0, ZMQ_POLLIN, 0});
      items.push_back({v->mon->socket().handle(), 0, ZMQ_POLLIN, 0});
    }
    for (auto& in : intruders_) items.push_back({in->mon->socket().handle(), 0, ZMQ_POLLIN, 0});
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(20));
    now = Clock::now();
    const bool beat = now - last_heartbeat_ >= std::chrono::seconds(1);
    for (std::size_t i = 0; i < viewers_.size(); ++i) {
      Viewer& v = *viewers_[i];
      if (items[2 * i + 1].revents & ZMQ_POLLIN) viewer_events(v);
      if (items[2 * i].revents & ZMQ_POLLIN) viewer_frames(v, now, measuring);
      if (beat) send(v.dealer, heartbeat());
    }
    if (beat) last_heartbeat_ = now;
    for (std::size_t i = 0; i < intruders_.size(); ++i) {
      Intruder& in = *intruders_[i];
      IntruderCounts& counts = counts_[in.curve];
      bool retry = false;
      if (items[2 * viewers_.size() + i].revents & ZMQ_POLLIN) {
        for (const auto& e : in.mon->drain()) {
          if (e.event == ZMQ_EVENT_CONNECTED) {
            ++counts.connections;
          } else if (e.event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            ++counts.refused_auth;
            retry = true;
          } else if (e.event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || e.event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
            ++counts.refused_protocol;
            retry = true;
          } else if (e.event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
            ++counts.handshakes_succeeded;
          } else if (e.event == ZMQ_EVENT_DISCONNECTED && !retry) {
            ++counts.dropped;
            retry = true;
          }
        }
      }
      for (int k = 0; k < 16; ++k) {  // there must be none
        zmq::message_t msg;
        if (!in.dealer.recv(msg, zmq::recv_flags::dontwait)) break;
        ++counts.frames_received;
      }
      if (!retry && now - in.started > kAttemptLimit) {
        ++counts.stalled;
        retry = true;
      }
      if (retry) attempt(in);
    }
  }

  void viewer_events(Viewer& v) {
    for (const auto& e : v.mon->drain()) {
      if (e.event == ZMQ_EVENT_CONNECTED) {
        v.wire_before_reconnects += tcp_bytes_received(v.fd);
        v.fd = e.value;
        ++v.connects;
      } else if (e.event == ZMQ_EVENT_DISCONNECTED) {
        v.wire_before_reconnects += tcp_bytes_received(v.fd);
        v.fd = -1;
      } else {
        std::fprintf(stderr, "stream_load: a viewer was refused (event %d, value %d): check its keys\n", e.event,
                     e.value);
      }
    }
  }

  void viewer_frames(Viewer& v, Clock::time_point now, bool measuring) {
    for (int k = 0; k < 256; ++k) {
      zmq::message_t msg;
      if (!v.dealer.recv(msg, zmq::recv_flags::dontwait)) break;
      auto decoded = protocol::decode(msg.to_string_view());
      auto* env = std::get_if<protocol::Envelope>(&decoded);
      if (env && env->has_keyframe()) v.has_keyframe = true;
      if (!measuring) continue;
      v.app_bytes += msg.size();
      if (!env) {
        ++v.rejected;
      } else if (env->has_keyframe()) {
        ++v.keyframes;
      } else if (env->has_delta()) {
        ++v.deltas;
        v.max_delta_gap_ms = std::max(v.max_delta_gap_ms, ms_since(v.last_delta, now));
        v.last_delta = now;
      } else {
        ++v.other;
      }
    }
  }

  zmq::context_t ctx_{1};
  std::string endpoint_;
  transport::ClientSecurity security_;
  std::vector<std::unique_ptr<Viewer>> viewers_;
  std::vector<std::unique_ptr<Intruder>> intruders_;
  IntruderCounts counts_[2];  // plaintext, CURVE (unlisted)
  Clock::time_point last_heartbeat_{};
  double elapsed_ms_ = 0;
};

void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"stream_load: viewers and unauthorized clients against a beamscope stream"};
  std::string endpoint, server_key, key;
  int viewers = 1, unlisted = 0, plaintext = 0;
  double seconds = 10;
  app.add_option("--endpoint", endpoint, "stream endpoint")->required();
  app.add_option("--server-key", server_key, "the server's .pub (CURVE)");
  app.add_option("--key", key, "the viewers' .secret (CURVE)");
  app.add_option("--viewers", viewers, "authorized viewers")->check(CLI::Range(0, 1000));
  app.add_option("--unlisted", unlisted, "clients with CURVE keys nobody listed")->check(CLI::Range(0, 1000));
  app.add_option("--plaintext", plaintext, "clients without keys")->check(CLI::Range(0, 1000));
  app.add_option("--seconds", seconds, "measured window")->check(CLI::Range(0.1, 600.0));
  CLI11_PARSE(app, argc, argv);

  transport::ClientSecurity security;
  if (auto err = transport::load_client_security(server_key, key, security)) {
    std::fprintf(stderr, "stream_load: %s\n", err->c_str());
    return 2;
  }
  raise_fd_limit();
  try {
    Load load(endpoint, security);
    load.add_viewers(viewers);
    const bool ready = load.wait_ready();
    if (!ready) std::fprintf(stderr, "stream_load: not every viewer got a keyframe within 60 s\n");
    // Intruders start with the measured window: the viewers are streaming.
    load.add_intruders(unlisted, plaintext);
    std::cout << "ready" << std::endl;
    load.measure(std::chrono::milliseconds(static_cast<long>(seconds * 1000)));
    json out = load.report();
    out["ready"] = ready;
    std::cout << out.dump() << std::endl;
    return ready ? 0 : 1;
  } catch (const zmq::error_t& e) {
    std::fprintf(stderr, "stream_load: %s\n", e.what());
    return 1;
  }
}
