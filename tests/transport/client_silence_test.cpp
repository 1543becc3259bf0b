// A StreamClient sends no ZMTP PINGs (libzmq 4.3.4 aborts on the PING timer
// of a failed, flooded connection: socket_presets.hpp) and notices a dead,
// stuck or half-open server from its silence instead: it reports the
// server's nodes gone, drops the connection and makes a fresh one. Over
// real sockets: a bare TCP peer speaking ZMTP, which sees every command
// the client sends, and a real ROUTER that stops answering while libzmq
// under it stays alive (it would answer PINGs).
#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/socket_presets.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "eventually.hpp"
#include "raw_zmtp.hpp"
#include "server_fixtures.hpp"

namespace beamscope::transport {
namespace {

using namespace std::chrono_literals;
using protocol::Envelope;
using testing::eventually;
using testing::RawListener;
using testing::RawTcp;

std::optional<Envelope> decoded(const std::string& body) {
  auto d = protocol::decode(body);
  if (auto* env = std::get_if<Envelope>(&d)) return *env;
  return std::nullopt;
}

std::uint64_t process_count_of(const StreamClient& client) {
  auto snaps = client.snapshots();
  return snaps.empty() ? 0 : snaps[0]->gauges().process_count();
}

// What a client sent on one connection until it closed it (or `limit`).
struct Heard {
  int pings = 0;
  int hellos = 0;
  int heartbeats = 0;
  bool closed = false;
};

Heard listen_until_closed(RawTcp& conn, std::chrono::milliseconds limit) {
  Heard h;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto frame = conn.read_frame(std::max(left, 1ms));
    if (!frame) break;
    if (frame->command) {
      if (frame->command_name() == "PING") ++h.pings;
      continue;
    }
    if (auto env = decoded(frame->body)) {
      if (env->has_hello()) ++h.hellos;
      if (env->has_heartbeat()) ++h.heartbeats;
    }
  }
  h.closed = conn.eof();
  return h;
}

TEST(ClientSilence, PresetsAskForNoZmtpHeartbeats) {
  zmq::context_t ctx;
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  apply_presets(s);
  EXPECT_EQ(s.get(zmq::sockopt::heartbeat_ivl), 0);
  EXPECT_EQ(s.get(zmq::sockopt::heartbeat_timeout), 0);
  EXPECT_EQ(s.get(zmq::sockopt::heartbeat_ttl), 0);
}

// The control for the next test: the bare peer does see the PINGs of a
// socket that sends them.
TEST(ClientSilence, RawPeerSeesThePingsOfASocketThatSendsThem) {
  RawListener listener;
  zmq::context_t ctx;
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.set(zmq::sockopt::heartbeat_ivl, 100);
  dealer.connect(listener.endpoint());
  RawTcp conn = listener.accept_within(3000ms);
  ASSERT_TRUE(conn.valid());
  ASSERT_TRUE(conn.zmtp_handshake(/*as_server=*/true, "ROUTER", 3000ms));
  auto frame = conn.read_frame(3000ms);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->command_name(), "PING");
}

TEST(ClientSilence, NoPingsAndASilentServerIsLeftForAFreshConnection) {
  RawListener listener;
  std::mutex m;
  std::vector<std::string> gone;
  std::string error;
  auto client = StreamClient::start(listener.endpoint(), error, {}, [&](const std::string& node, const std::string&) {
    std::lock_guard lock(m);
    gone.push_back(node);
  });
  ASSERT_TRUE(client) << error;

  // A server that takes the connection, reads, and never says a word: a
  // stopped process, or the far end of a half-open connection.
  RawTcp first = listener.accept_within(3000ms);
  ASSERT_TRUE(first.valid());
  ASSERT_TRUE(first.zmtp_handshake(/*as_server=*/true, "ROUTER", 3000ms));
  const auto t0 = std::chrono::steady_clock::now();
  const Heard heard = listen_until_closed(first, 15000ms);
  const auto held = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(heard.closed) << "the client kept a silent connection";
  EXPECT_EQ(heard.pings, 0);
  // Its own heartbeats, each second: the connection lived past a PING interval.
  EXPECT_GE(heard.heartbeats, 2);
  // Its first Hello, and one again at the silence limit (3 s): enough for a
  // server that restarted, not for this one.
  EXPECT_EQ(heard.hellos, 2);
  EXPECT_GE(held, 3000ms);  // the silence limit and the backoff (1 s), not sooner
  EXPECT_FALSE(client->stats().connected);

  // The fresh connection says Hello, and a server that answers is followed.
  RawTcp second = listener.accept_within(5000ms);
  ASSERT_TRUE(second.valid()) << "no fresh connection after the silent one";
  ASSERT_TRUE(second.zmtp_handshake(/*as_server=*/true, "ROUTER", 3000ms));
  bool hello = false;
  for (int i = 0; i < 8 && !hello; ++i) {
    auto frame = second.read_frame(3000ms);
    ASSERT_TRUE(frame);
    if (auto env = decoded(frame->body)) hello = env->has_hello();
  }
  ASSERT_TRUE(hello);
  Envelope kf = testing::keyframe("a@h", 1, 10);
  ASSERT_TRUE(second.send_message(protocol::encode(kf, "a@h", 1)));
  EXPECT_TRUE(eventually([&] { return process_count_of(*client) == 10; }));
  EXPECT_TRUE(client->stats().connected);
  std::lock_guard lock(m);
  EXPECT_TRUE(gone.empty());  // nothing known yet when the first server fell silent
}

// A real ROUTER serves a node, then stops answering: libzmq under it stays
// alive (it would answer PINGs), so only the client's own silence check can
// tell. The node is reported gone, and a new connection (a new routing id)
// says Hello and is followed again once the server answers.
TEST(ClientSilence, ServerThatStopsAnsweringIsLeftThenFollowedAgain) {
  zmq::context_t ctx;
  zmq::socket_t server(ctx, zmq::socket_type::router);
  server.set(zmq::sockopt::linger, 0);
  server.set(zmq::sockopt::router_mandatory, 1);
  server.bind("tcp://127.0.0.1:*");
  std::mutex m;
  std::vector<std::pair<std::string, std::string>> gone;
  std::string error;
  auto client = StreamClient::start(server.get(zmq::sockopt::last_endpoint), error, {},
                                    [&](const std::string& node, const std::string& reason) {
                                      std::lock_guard lock(m);
                                      gone.emplace_back(node, reason);
                                    });
  ASSERT_TRUE(client) << error;

  // The next Hello, from whichever connection; its routing id.
  auto next_hello = [&](std::chrono::milliseconds limit) -> std::optional<std::string> {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t item{server.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, 100ms) <= 0) continue;
      std::vector<zmq::message_t> parts;
      if (!zmq::recv_multipart(server, std::back_inserter(parts), zmq::recv_flags::dontwait) || parts.size() != 2)
        continue;
      if (auto env = decoded(parts[1].to_string()); env && env->has_hello()) return parts[0].to_string();
    }
    return std::nullopt;
  };
  auto answer = [&](const std::string& id, std::uint64_t processes) {
    Envelope kf = testing::keyframe("a@h", processes, processes);
    server.send(zmq::buffer(id), zmq::send_flags::sndmore);
    server.send(zmq::buffer(protocol::encode(kf, "a@h", processes)), zmq::send_flags::none);
  };

  auto first = next_hello(3000ms);
  ASSERT_TRUE(first);
  answer(*first, 10);
  ASSERT_TRUE(eventually([&] { return process_count_of(*client) == 10; }));

  // Silent from now on; Hellos from the first connection are not answered.
  std::optional<std::string> fresh;
  const auto deadline = std::chrono::steady_clock::now() + 15000ms;
  while (!fresh && std::chrono::steady_clock::now() < deadline) {
    auto id = next_hello(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!id) break;
    if (*id != *first) fresh = id;
  }
  ASSERT_TRUE(fresh) << "no Hello from a fresh connection";
  {
    std::lock_guard lock(m);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].first, "a@h");
    EXPECT_NE(gone[0].second.find("no data from tcp://127.0.0.1:"), std::string::npos) << gone[0].second;
  }
  EXPECT_TRUE(client->snapshots().empty());
  // The old connection is closed: the ROUTER cannot route to it any more.
  EXPECT_TRUE(eventually([&] {
    try {
      server.send(zmq::buffer(*first), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      server.send(zmq::buffer(std::string("x")), zmq::send_flags::dontwait);
      return false;
    } catch (const zmq::error_t& e) {
      return e.num() == EHOSTUNREACH;
    }
  }));

  answer(*fresh, 12);
  EXPECT_TRUE(eventually([&] { return process_count_of(*client) == 12; }));
  EXPECT_TRUE(client->stats().connected);
}

}  // namespace
}  // namespace beamscope::transport
