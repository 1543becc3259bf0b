// beamscope-flood: a hostile load on a stream endpoint, and a watcher that
// times the frames a well-behaved viewer receives meanwhile (bench/stream_flood).
//
//   beamscope-flood flood --connect EP --sockets N --seconds S [--rate R] [--big-bytes B]
//     N DEALER sockets (one context, bounded), each sending R messages a
//     second for S seconds; socket i sends, by i % 4: garbage, truncated
//     Hellos, oversize frames (B bytes, one buffer shared by every send),
//     valid Hellos. Prints one JSON line: what was sent, by kind.
//   beamscope-flood watch --connect EP --seconds S
//     One streaming viewer; prints one JSON line: frames, keyframes,
//     deltas, the longest gap between two applied frames, refusals.
//   beamscope-flood sink --bind 'tcp://127.0.0.1:*' --seconds S
//     The flood's baseline target: a bare ROUTER with the agent's transport
//     options that reads every message and discards it, answering nothing.
//     Prints the endpoint it bound first (one JSON line), then what it read.
// Loopback only: it refuses any other host.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/socket_presets.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "beamscope/transport/stream_server.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using beamscope::protocol::Envelope;

struct Args {
  std::string mode, endpoint;
  int sockets = 200, rate = 100;
  double seconds = 10;
  std::size_t big_bytes = 10u << 20;
};

bool parse(int argc, char** argv, Args& a) {
  if (argc < 2) return false;
  a.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--connect" || k == "--bind") a.endpoint = v;
    else if (k == "--sockets") a.sockets = std::stoi(v);
    else if (k == "--seconds") a.seconds = std::stod(v);
    else if (k == "--rate") a.rate = std::stoi(v);
    else if (k == "--big-bytes") a.big_bytes = std::stoul(v);
    else return false;
  }
  const bool loopback = a.endpoint.rfind("tcp://127.", 0) == 0 || a.endpoint.rfind("tcp://localhost:", 0) == 0;
  return (a.mode == "flood" || a.mode == "watch" || a.mode == "sink") && loopback && a.sockets > 0 && a.sockets <= 2000 &&
         a.seconds > 0 && a.seconds <= 600 && a.rate > 0 && a.rate <= 10000 && a.big_bytes <= (64u << 20);
}

// CPU time of this whole process (every thread, libzmq's too), seconds.
double process_cpu_s() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::string hello_bytes() {
  Envelope env;
  env.mutable_hello()->set_client("beamscope-flood");
  return beamscope::protocol::encode(env, "", 0);
}

int flood(const Args& a) {
  zmq::context_t ctx(2);
  ctx.set(zmq::ctxopt::max_sockets, a.sockets + 16);
  std::vector<zmq::socket_t> socks;
  for (int i = 0; i < a.sockets; ++i) {
    socks.emplace_back(ctx, zmq::socket_type::dealer);
    socks.back().set(zmq::sockopt::linger, 0);
    socks.back().set(zmq::sockopt::sndhwm, 4);
    socks.back().set(zmq::sockopt::rcvhwm, 4);
    socks.back().connect(a.endpoint);
  }
  const std::string hello = hello_bytes();
  const std::string truncated = hello.substr(0, hello.size() / 2);
  const std::string garbage = "\x0a\xff\xff\xff\xff this is no protobuf";
  // One buffer for every oversize send: libzmq only references it.
  static std::vector<char> big;
  big.assign(a.big_bytes, 'x');
  const char* kinds[] = {"garbage", "truncated", "oversize", "hello"};
  std::uint64_t sent[4] = {}, refused_by_hwm[4] = {};
  std::uint64_t received = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(a.seconds));
  const auto period = std::chrono::microseconds(1000000 / a.rate);
  auto next = start;
  while (Clock::now() < end) {
    for (int i = 0; i < a.sockets; ++i) {
      const int kind = i % 4;
      zmq::message_t msg;
      if (kind == 0) msg.rebuild(garbage.data(), garbage.size());
      else if (kind == 1) msg.rebuild(truncated.data(), truncated.size());
      else if (kind == 2) msg = zmq::message_t(big.data(), big.size(), nullptr, nullptr);
      else msg.rebuild(hello.data(), hello.size());
      if (socks[i].send(msg, zmq::send_flags::dontwait)) ++sent[kind];
      else ++refused_by_hwm[kind];
      // Answers (keyframes, refusals) are read and thrown away.
      zmq::message_t in;
      while (socks[i].recv(in, zmq::recv_flags::dontwait)) ++received;
    }
    next += period;
    std::this_thread::sleep_until(std::min(next, end));
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("{\"mode\": \"flood\", \"sockets\": %d, \"seconds\": %.2f, \"sent\": {", a.sockets, secs);
  for (int k = 0; k < 4; ++k) std::printf("%s\"%s\": %llu", k ? ", " : "", kinds[k], (unsigned long long)sent[k]);
  std::printf("}, \"not_sent_hwm\": {");
  for (int k = 0; k < 4; ++k)
    std::printf("%s\"%s\": %llu", k ? ", " : "", kinds[k], (unsigned long long)refused_by_hwm[k]);
  std::uint64_t total = 0;
  for (auto s : sent) total += s;
  std::printf("}, \"sent_per_s\": %.0f, \"received\": %llu, \"cpu_s\": %.3f}\n", total / secs,
              (unsigned long long)received, process_cpu_s());
  return 0;
}

// The same transport as the agent's stream server (StreamServer::start): one
// I/O thread, its presets (64 KiB inbound limit, receive HWM 16), a ZAP domain
// without a handler and the 5 s handshake limit, so the flooder's DEALERs
// handshake, send, are cut off for oversize frames and reconnect exactly as
// they are at the agent. What it lacks is the agent: no parsing, refusals,
// viewer cap or keyframes; every message is dropped unread.
int sink(const Args& a) {
  const beamscope::transport::StreamServerOptions agent;  // the agent keeps these defaults
  beamscope::transport::SocketPresets presets;
  presets.send_hwm = agent.send_hwm;
  presets.recv_hwm = 16;  // the server's kRecvHwm (stream_server_impl.hpp)
  presets.max_message_bytes = agent.max_message_bytes;
  zmq::context_t ctx(1);
  zmq::socket_t router(ctx, zmq::socket_type::router);
  beamscope::transport::apply_presets(router, presets);
  router.set(zmq::sockopt::router_mandatory, 1);
  router.set(zmq::sockopt::handshake_ivl, 5000);
  router.set(zmq::sockopt::zap_domain, "beamscope");
  router.bind(a.endpoint);
  std::printf("{\"mode\": \"sink\", \"endpoint\": \"%s\"}\n", router.get(zmq::sockopt::last_endpoint).c_str());
  std::fflush(stdout);
  std::uint64_t messages = 0, bytes = 0;
  const double cpu0 = process_cpu_s();
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(a.seconds));
  zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
  while (Clock::now() < end) {
    zmq::poll(&item, 1, std::chrono::milliseconds(100));
    zmq::message_t part;
    while (router.recv(part, zmq::recv_flags::dontwait)) {
      ++messages;
      bytes += part.size();
    }
  }
  std::printf("{\"mode\": \"sink\", \"parts\": %llu, \"bytes\": %llu, \"cpu_s\": %.3f}\n",
              (unsigned long long)messages, (unsigned long long)bytes, process_cpu_s() - cpu0);
  return 0;
}

int watch(const Args& a) {
  std::atomic<std::uint64_t> frames{0}, keyframes{0}, deltas{0};
  std::atomic<std::int64_t> last_ns{0}, max_gap_ns{0};
  // The same gap in the agent's own stamps (each frame's timestamp_us, its
  // tick's time): a late tick shows in both, a late delivery only above.
  std::atomic<std::int64_t> last_stamp_us{0}, max_stamp_gap_us{0};
  auto on_frame = [&](const beamscope::protocol::SharedEnvelope& env) {
    const std::int64_t now = Clock::now().time_since_epoch().count();
    const std::int64_t prev = last_ns.exchange(now);
    if (prev) max_gap_ns = std::max<std::int64_t>(max_gap_ns.load(), now - prev);
    const std::int64_t stamp_prev = last_stamp_us.exchange(env->timestamp_us());
    if (stamp_prev)
      max_stamp_gap_us = std::max<std::int64_t>(max_stamp_gap_us.load(), env->timestamp_us() - stamp_prev);
    ++frames;
    ++(env->has_keyframe() ? keyframes : deltas);
  };
  std::string error;
  auto client = beamscope::transport::StreamClient::start(a.endpoint, error, on_frame);
  if (!client) {
    std::fprintf(stderr, "beamscope-flood: %s\n", error.c_str());
    return 2;
  }
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(a.seconds));
  while (Clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // The gap up to now counts too: a stream that stopped is one long gap.
  const std::int64_t now = Clock::now().time_since_epoch().count();
  if (last_ns.load()) max_gap_ns = std::max<std::int64_t>(max_gap_ns.load(), now - last_ns.load());
  const auto s = client->stats();
  client->stop();
  std::printf("{\"mode\": \"watch\", \"frames\": %llu, \"keyframes\": %llu, \"deltas\": %llu, \"max_gap_ms\": %.0f, "
              "\"max_stamp_gap_ms\": %.0f, \"gaps\": %llu, \"refused\": \"%s\"}\n",
              (unsigned long long)frames.load(), (unsigned long long)keyframes.load(),
              (unsigned long long)deltas.load(), max_gap_ns.load() / 1e6, max_stamp_gap_us.load() / 1e3,
              (unsigned long long)s.gaps,
              s.refused.empty() ? "" : "yes");
  return frames.load() > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!parse(argc, argv, a)) {
    std::fprintf(stderr,
                 "usage: beamscope-flood flood --connect tcp://127.0.0.1:PORT --sockets N(<=2000) --seconds S "
                 "[--rate R] [--big-bytes B]\n"
                 "       beamscope-flood watch --connect tcp://127.0.0.1:PORT --seconds S\n"
                 "       beamscope-flood sink --bind tcp://127.0.0.1:PORT --seconds S\n");
    return 2;
  }
  if (a.mode == "sink") return sink(a);
  return a.mode == "flood" ? flood(a) : watch(a);
}
