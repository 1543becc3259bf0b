// A real ZeroMQ peer of the stream for the fault and atom tests (Python has
// no ZeroMQ here). Three modes, each bounded in time, output one line per
// fact on stdout (flushed, so a test reads it live):
//
//   stream_peer watch ENDPOINT SECONDS
//     a viewer (transport::StreamClient, as the GUI and collector use):
//     "frame MONO_MS NODE SEQ keyframe|delta" per applied frame,
//     "gone MONO_MS NODE" when a node is gone or the server silent.
//   stream_peer noread ENDPOINT SECONDS RATE NODE
//     a viewer that talks and never reads: Hello (stream) and a
//     ChildrenRequest for NODE RATE times a second each, its receive side shrunk
//     so the server's sends back up at once. Prints "sent N" at the end.
//   stream_peer requests ENDPOINT NODE COUNT
//     COUNT children requests, each with a unique request id and names no
//     node has: unknown supervisor ids, garbage ids, other node names,
//     unknown orders, and in every 100 a Hello with a unique client name and
//     three frames the server must refuse (no node, a limit past the bound,
//     no frame at all; on a ninth socket, which the server may drop); at
//     most 3 unanswered per socket on 8 sockets. Prints
//     one JSON line: {"sent":..,"answered":..,"lost":..,"hellos":..,
//     "invalid":..,"seconds":..,"errors":{first words: count}}.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/stream_client.hpp"

using namespace beamscope;
using Clock = std::chrono::steady_clock;

namespace {

std::atomic<bool> g_stop{false};

long long mono_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

int usage() {
  std::fprintf(stderr,
               "usage: stream_peer watch ENDPOINT SECONDS\n"
               "       stream_peer noread ENDPOINT SECONDS RATE NODE\n"
               "       stream_peer requests ENDPOINT NODE COUNT\n");
  return 2;
}

int watch(const std::string& endpoint, int seconds) {
  std::string error;
  auto client = transport::StreamClient::start(
      endpoint, error,
      [](const protocol::SharedEnvelope& frame) {
        const auto& env = *frame;
        std::printf("frame %lld %s %llu %s\n", mono_ms(), env.node().c_str(),
                    static_cast<unsigned long long>(env.seq()), env.has_keyframe() ? "keyframe" : "delta");
        std::fflush(stdout);
      },
      [](const std::string& node, const std::string&) {
        std::printf("gone %lld %s\n", mono_ms(), node.c_str());
        std::fflush(stdout);
      });
  if (!client) {
    std::fprintf(stderr, "stream_peer: %s\n", error.c_str());
    return 1;
  }
  const auto end = Clock::now() + std::chrono::seconds(seconds);
  while (!g_stop && Clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  client->stop();
  return 0;
}

zmq::socket_t dealer(zmq::context_t& ctx, const std::string& endpoint) {
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::sndhwm, 100000);
  s.connect(endpoint);
  return s;
}

bool send(zmq::socket_t& s, const std::string& payload) {
  zmq::message_t msg(payload.data(), payload.size());
  return s.send(msg, zmq::send_flags::dontwait).has_value();
}

std::string hello(const std::string& client, bool stream) {
  protocol::Envelope env;
  env.mutable_hello()->set_client(client);
  env.mutable_hello()->set_want_stream(stream);
  return protocol::encode(env, "", 0);
}

int noread(const std::string& endpoint, int seconds, int rate, const std::string& node) {
  zmq::context_t ctx{1};
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  // Take in as little as the kernel and libzmq allow: the server's sends
  // to us back up within a few frames.
  s.set(zmq::sockopt::rcvhwm, 1);
  s.set(zmq::sockopt::rcvbuf, 4096);
  s.connect(endpoint);
  const auto end = Clock::now() + std::chrono::seconds(seconds);
  const auto period = std::chrono::microseconds(1000000 / std::max(1, rate));
  std::uint64_t sent = 0, id = 0;
  auto next = Clock::now();
  while (!g_stop && Clock::now() < end) {
    sent += send(s, hello("noread", true));
    protocol::Envelope env;
    auto* req = env.mutable_children_request();
    req->set_request_id(++id);
    req->set_supervisor_id("noread/" + std::to_string(id));
    req->set_limit(1000);
    sent += send(s, protocol::encode(env, node, 0));
    next += period;
    std::this_thread::sleep_until(next);
  }
  std::printf("sent %llu\n", static_cast<unsigned long long>(sent));
  return 0;
}

// A unique printable string of at most ~200 bytes, some of it outside
// ASCII (whole UTF-8 characters: protobuf refuses a cut one).
std::string garbage(std::mt19937_64& rng, std::uint64_t unique) {
  static const char* pieces[] = {"é", "ß", "ж", "中", "😀", "/", "*", "'", "\"", "\\", "%", " ", "$", "..",
                                 "<0.1.0>", "#Ref", "atom", ":", "\t"};
  std::string s = std::to_string(unique);
  for (int n = static_cast<int>(rng() % 40); n > 0 && s.size() < 190; --n) s += pieces[rng() % std::size(pieces)];
  return s;
}

struct Asked {
  Clock::time_point at;
};

int requests(const std::string& endpoint, const std::string& node, std::uint64_t count) {
  constexpr int kSockets = 8;
  // 8 x 3 unanswered stay under the agent's 32 forwarded requests: every
  // request reaches the pager instead of a "busy" from the NIF.
  constexpr std::size_t kWindow = 3;
  constexpr auto kLost = std::chrono::seconds(5);
  zmq::context_t ctx{1};
  std::vector<zmq::socket_t> socks;
  std::vector<std::unordered_map<std::uint64_t, Asked>> waiting(kSockets);
  for (int i = 0; i < kSockets; ++i) socks.push_back(dealer(ctx, endpoint));
  // Refused frames go on a socket of their own: the server drops a peer
  // that keeps sending them, and the requests' peers must stay.
  zmq::socket_t junk = dealer(ctx, endpoint);
  std::mt19937_64 rng(0x5eed);
  // Ids unique across runs too: a node never sees the same one twice.
  std::uint64_t next_id = (static_cast<std::uint64_t>(mono_ms()) << 20);
  std::uint64_t sent = 0, answered = 0, lost = 0, hellos = 0, refused = 0;
  std::map<std::string, std::uint64_t> errors;
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::chrono::seconds(120);

  auto ask = [&](int k) {
    const std::uint64_t id = next_id++;
    protocol::Envelope env;
    auto* req = env.mutable_children_request();
    req->set_request_id(id);
    req->set_limit(static_cast<std::uint32_t>(rng() % 1001));
    req->set_offset(static_cast<std::uint32_t>(rng() % 100));
    std::string to = node;
    switch (sent % 5) {
      case 0: req->set_supervisor_id("beamscope_demo/unknown_sup_" + std::to_string(id)); break;
      case 1: req->set_supervisor_id(garbage(rng, id)); break;
      case 2:  // a node this agent does not serve
        to = "no_such_node_" + std::to_string(id) + "@nohost";
        req->set_supervisor_id("kernel/" + std::to_string(id));
        break;
      case 3:  // an order past the enum: the agent maps it to a fixed atom
        req->set_supervisor_id("beamscope_demo/" + std::to_string(id));
        req->set_order(static_cast<v1::ChildrenRequest::Order>(4 + rng() % 1000));
        break;
      default: req->set_supervisor_id(std::to_string(id) + "/" + garbage(rng, id)); break;
    }
    if (send(socks[k], protocol::encode(env, to, 0))) {
      waiting[k][id] = {Clock::now()};
      ++sent;
    }
    if (sent % 100 == 0 && send(socks[k], hello("hello_" + std::to_string(id), false))) ++hellos;
    // Frames the server must refuse unanswered: no node, a limit past the
    // protocol's bound, bytes that are no frame.
    if (sent % 100 == 50) {
      protocol::Envelope bad = env;
      bad.mutable_children_request()->set_limit(5000);
      refused += send(junk, protocol::encode(bad, node, 0));
      refused += send(junk, protocol::encode(bad, "", 0));
      refused += send(junk, "\x0a\xff\xff" + std::to_string(id));
    }
  };

  while (Clock::now() < deadline && !g_stop) {
    bool pending = false;
    for (int k = 0; k < kSockets; ++k) {
      while (sent < count && waiting[k].size() < kWindow) ask(k);
      pending |= !waiting[k].empty();
    }
    if (!pending && sent >= count) break;
    std::vector<zmq::pollitem_t> items;
    for (auto& s : socks) items.push_back({s.handle(), 0, ZMQ_POLLIN, 0});
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(50));
    const auto now = Clock::now();
    for (int k = 0; k < kSockets; ++k) {
      for (int n = 0; (items[k].revents & ZMQ_POLLIN) && n < 1000; ++n) {
        zmq::message_t msg;
        if (!socks[k].recv(msg, zmq::recv_flags::dontwait)) break;
        auto decoded = protocol::decode(msg.to_string_view());
        auto* env = std::get_if<protocol::Envelope>(&decoded);
        if (!env || !env->has_children_page()) continue;  // keyframes for the Hellos
        if (waiting[k].erase(env->children_page().request_id()) == 0) continue;
        ++answered;
        const std::string& e = env->children_page().error();
        // Group by the error's first words (ids vary).
        std::string key = e.empty() ? "(a page)" : e.substr(0, e.find_first_of("0123456789(:"));
        while (!key.empty() && key.back() == ' ') key.pop_back();
        ++errors[key];
      }
      for (auto it = waiting[k].begin(); it != waiting[k].end();) {
        if (now - it->second.at > kLost) {
          ++lost;
          it = waiting[k].erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  for (auto& w : waiting) lost += w.size();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "{\"sent\":%llu,\"answered\":%llu,\"lost\":%llu,\"hellos\":%llu,\"invalid\":%llu,\"seconds\":%.2f,\"errors\":{",
      static_cast<unsigned long long>(sent), static_cast<unsigned long long>(answered),
      static_cast<unsigned long long>(lost), static_cast<unsigned long long>(hellos),
      static_cast<unsigned long long>(refused), seconds);
  bool first = true;
  for (const auto& [key, n] : errors) {
    std::string k;
    for (char c : key) {
      if (c == '"' || c == '\\') k += '\\';
      if (static_cast<unsigned char>(c) >= 0x20) k += c;
    }
    std::printf("%s\"%s\":%llu", first ? "" : ",", k.c_str(), static_cast<unsigned long long>(n));
    first = false;
  }
  std::printf("}}\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGTERM, [](int) { g_stop = true; });
  std::signal(SIGINT, [](int) { g_stop = true; });
  if (argc < 4) return usage();
  const std::string mode = argv[1], endpoint = argv[2];
  if (mode == "watch" && argc == 4) return watch(endpoint, std::atoi(argv[3]));
  if (mode == "noread" && argc == 6) return noread(endpoint, std::atoi(argv[3]), std::atoi(argv[4]), argv[5]);
  if (mode == "requests" && argc == 5) return requests(endpoint, argv[3], std::strtoull(argv[4], nullptr, 10));
  return usage();
}
