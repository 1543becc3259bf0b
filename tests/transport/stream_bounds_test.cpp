// The stream server's bounds, over real ZeroMQ sockets on loopback: the cap
// on viewers, inbound size, the Hello rate and its cached answer, viewers
// that never read, silent and misbehaving peers, the CPU bound on Hellos.
#include <gtest/gtest.h>

#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/version.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "eventually.hpp"
#include "server_fixtures.hpp"

namespace beamscope::transport {
namespace {

using namespace std::chrono_literals;
using protocol::Envelope;
using testing::eventually;
using Clock = std::chrono::steady_clock;

// A keyframe of `processes` samples (about 100 bytes each on the wire).
Envelope keyframe(std::uint64_t seq, int processes = 1) {
  Envelope env;
  env.set_version_major(protocol::kVersionMajor);
  env.set_node("a@h");
  env.set_seq(seq);
  auto* kf = env.mutable_keyframe();
  kf->mutable_info()->set_node("a@h");
  kf->mutable_gauges()->set_process_count(processes);
  for (int i = 0; i < processes; ++i) {
    auto* p = kf->add_processes();
    p->set_pid("<0." + std::to_string(i) + ".0>");
    p->set_current_function("some_module:some_function/3 " + std::string(64, 'x'));
    p->set_message_queue_len(i);
  }
  return env;
}

Envelope delta(std::uint64_t seq, std::uint64_t processes) { return testing::delta("a@h", seq, processes); }

using testing::start_server;

std::uint64_t rejected(const StreamServer& s, Rejection r) { return s.stats().rejected[static_cast<std::size_t>(r)]; }

std::string hello(bool want_stream) {
  Envelope env;
  env.mutable_hello()->set_client("stream_bounds_test");
  env.mutable_hello()->set_want_stream(want_stream);
  return protocol::encode(env, "", 0);
}

// A bare DEALER: what a viewer, or anything else, can send.
struct RawPeer {
  zmq::context_t ctx{1};
  zmq::socket_t dealer{ctx, zmq::socket_type::dealer};
  explicit RawPeer(const std::string& endpoint, int rcvbuf = -1) {
    dealer.set(zmq::sockopt::linger, 0);
    if (rcvbuf > 0) {
      dealer.set(zmq::sockopt::rcvbuf, rcvbuf);
      dealer.set(zmq::sockopt::rcvhwm, 1);
    }
    dealer.connect(endpoint);
  }
  void send(const std::string& bytes) { dealer.send(zmq::buffer(bytes), zmq::send_flags::none); }
  // The next frame within `limit`, decoded.
  std::optional<Envelope> receive(std::chrono::milliseconds limit = 3000ms) {
    zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, limit) <= 0) return std::nullopt;
    zmq::message_t msg;
    if (!dealer.recv(msg, zmq::recv_flags::dontwait)) return std::nullopt;
    auto decoded = protocol::decode(msg.to_string_view());
    if (auto* env = std::get_if<Envelope>(&decoded)) return *env;
    return std::nullopt;
  }
  // Frames until SnapshotDone; false if it does not come within `limit`.
  bool snapshot_done(std::chrono::milliseconds limit = 3000ms) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      auto env = receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
      if (env && env->has_snapshot_done()) return true;
    }
    return false;
  }
};

TEST(StreamBounds, ViewersOverTheCapAreRefusedPlainlyAndCounted) {
  StreamServerOptions opts;
  opts.max_viewers = 3;
  auto server = start_server(opts);
  server->publish(keyframe(1));
  ASSERT_TRUE(eventually([&] { return server->snapshots().size() == 1; }));
  std::vector<std::unique_ptr<StreamClient>> viewers;
  for (int i = 0; i < 3; ++i) {
    std::string error;
    viewers.push_back(StreamClient::start(server->bound_endpoint(), error));
    ASSERT_TRUE(viewers.back()) << error;
  }
  ASSERT_TRUE(eventually([&] { return server->stats().viewers == 3; }));

  std::string error;
  EXPECT_FALSE(fetch_snapshot(server->bound_endpoint(), 3000ms, error));
  EXPECT_NE(error.find("refused this viewer: this server serves at most 3 viewers"), std::string::npos) << error;
  EXPECT_NE(error.find("(too_many_viewers)"), std::string::npos) << error;
  EXPECT_EQ(rejected(*server, Rejection::kTooManyViewers), 1u);
  // Closed by the server: the refused connection does not stay.
  EXPECT_TRUE(eventually([&] { return server->stats().connections == 3; }));

  // The three served viewers are unaffected.
  server->publish(delta(2, 42));
  for (auto& v : viewers)
    EXPECT_TRUE(eventually([&] { return !v->snapshots().empty() && v->snapshots()[0]->gauges().process_count() == 42; }));

  // A freed place is taken by the next viewer.
  viewers.pop_back();
  ASSERT_TRUE(eventually([&] { return server->stats().connections == 2; }));
  auto fleet = fetch_snapshot(server->bound_endpoint(), 3000ms, error);
  ASSERT_TRUE(fleet) << error;
  EXPECT_EQ(fleet->find("a@h")->snapshot()->gauges().process_count(), 42u);
}

// A streaming viewer (the inspector, the collector) over the cap shows the
// server's sentence, and streams once a place is free.
TEST(StreamBounds, AStreamingViewerOverTheCapSaysWhyAndGetsInWhenAPlaceFrees) {
  StreamServerOptions opts;
  opts.max_viewers = 1;
  auto server = start_server(opts);
  server->publish(keyframe(1));
  ASSERT_TRUE(eventually([&] { return server->snapshots().size() == 1; }));
  std::string error;
  auto first = StreamClient::start(server->bound_endpoint(), error);
  ASSERT_TRUE(first) << error;
  ASSERT_TRUE(eventually([&] { return server->stats().viewers == 1; }));

  auto second = StreamClient::start(server->bound_endpoint(), error);
  ASSERT_TRUE(second) << error;
  ASSERT_TRUE(eventually([&] { return !second->stats().refused.empty(); }, 5000ms));
  const auto refused = second->stats().refused;
  EXPECT_NE(refused.find("refused this viewer: this server serves at most 1 viewer"), std::string::npos) << refused;
  EXPECT_NE(refused.find("(too_many_viewers)"), std::string::npos) << refused;
  EXPECT_FALSE(second->stats().connected);
  EXPECT_TRUE(second->snapshots().empty());

  first.reset();
  EXPECT_TRUE(eventually([&] { return !second->snapshots().empty(); }, 10000ms));
  EXPECT_TRUE(second->stats().refused.empty());
  EXPECT_TRUE(second->stats().connected);
}

TEST(StreamBounds, ConnectionsOverTheCapThatSayNothingAreClosed) {
  StreamServerOptions opts;
  opts.max_viewers = 2;
  auto server = start_server(opts);
  std::vector<std::unique_ptr<RawPeer>> peers;
  for (int i = 0; i < 6; ++i) peers.push_back(std::make_unique<RawPeer>(server->bound_endpoint()));
  // Four over the cap, closed within about a second each (they reconnect,
  // as DEALERs do, and are refused again: the count only grows).
  EXPECT_TRUE(eventually([&] { return rejected(*server, Rejection::kTooManyViewers) >= 4; }, 5000ms));
  EXPECT_LE(server->stats().connections, 6u);
}

TEST(StreamBounds, OversizedRequestsAreRefusedAndHugeOnesCloseTheConnection) {
  auto server = start_server();
  server->publish(keyframe(1));
  RawPeer peer(server->bound_endpoint());
  // Over kMaxRequestBytes: dropped unparsed, counted.
  peer.send(std::string(kMaxRequestBytes + 1, 'x'));
  EXPECT_TRUE(eventually([&] { return rejected(*server, Rejection::kTooLarge) == 1; }));
  // Over 64 KiB (ZMQ_MAXMSGSIZE): libzmq closes the connection unassembled.
  const auto before = server->stats().disconnects;
  peer.send(std::string(10u << 20, 'x'));
  EXPECT_TRUE(eventually([&] { return server->stats().disconnects > before; }));
  EXPECT_LT(server->stats().viewer_pinned_bytes, 1u << 20);
  // The same DEALER reconnects and is served.
  peer.send(hello(false));
  EXPECT_TRUE(peer.snapshot_done());
}

TEST(StreamBounds, HellosAreAnsweredAtMostOnceASecondPerPeer) {
  auto server = start_server();
  server->publish(keyframe(1));
  ASSERT_TRUE(eventually([&] { return server->snapshots().size() == 1; }));
  RawPeer peer(server->bound_endpoint());
  for (int i = 0; i < 10; ++i) peer.send(hello(false));
  ASSERT_TRUE(peer.snapshot_done());
  const auto first = Clock::now();
  EXPECT_TRUE(eventually([&] { return rejected(*server, Rejection::kHelloRate) == 9; }));
  // The nine extra ones are answered once, when the second is over.
  ASSERT_TRUE(peer.snapshot_done(3000ms));
  EXPECT_GE(Clock::now() - first, 800ms);
  EXPECT_FALSE(peer.snapshot_done(1500ms));
  EXPECT_EQ(server->stats().hellos_answered, 2u);
}

TEST(StreamBounds, EveryHelloIsAnsweredFromOneCachedSerialization) {
  auto server = start_server();
  server->publish(keyframe(1, 500));
  ASSERT_TRUE(eventually([&] { return server->snapshots().size() == 1; }));
  std::vector<std::unique_ptr<RawPeer>> peers;
  for (int i = 0; i < 20; ++i) {
    peers.push_back(std::make_unique<RawPeer>(server->bound_endpoint()));
    peers.back()->send(hello(false));
  }
  for (auto& p : peers) {
    auto env = p->receive();
    ASSERT_TRUE(env && env->has_keyframe());
    EXPECT_EQ(env->keyframe().processes_size(), 500);
  }
  EXPECT_EQ(server->stats().hellos_answered, 20u);
  EXPECT_EQ(server->stats().keyframe_encodes, 1u);
  // A published change is encoded once more, at the next Hello.
  server->publish(delta(2, 7));
  RawPeer late(server->bound_endpoint());
  late.send(hello(false));
  auto env = late.receive();
  ASSERT_TRUE(env && env->has_keyframe());
  EXPECT_EQ(env->keyframe().gauges().process_count(), 7u);
  EXPECT_EQ(server->stats().keyframe_encodes, 2u);
}

TEST(StreamBounds, AViewerThatNeverReadsPinsABoundedQueueThenIsDropped) {
  StreamServerOptions opts;
  opts.send_hwm = 10;
  opts.backpressure_ms = 1000;
  auto server = start_server(opts);
  server->publish(keyframe(1, 2000));
  ASSERT_TRUE(eventually([&] { return server->snapshots().size() == 1; }));
  const std::size_t frame = protocol::encode(keyframe(1, 2000)).size();

  RawPeer stuck(server->bound_endpoint(), /*rcvbuf=*/4096);
  stuck.send(hello(true));
  std::string error;
  auto reader = StreamClient::start(server->bound_endpoint(), error);
  ASSERT_TRUE(reader) << error;
  ASSERT_TRUE(eventually([&] { return server->stats().viewers == 2; }));

  // 200 distinct keyframes (~40 MB if each were kept per viewer).
  std::uint64_t most = 0;
  for (std::uint64_t seq = 2; seq < 202; ++seq) {
    server->publish(keyframe(seq, 2000));
    most = std::max(most, server->stats().viewer_pinned_bytes);
    std::this_thread::sleep_for(5ms);  // pacing the producer, as a tick would
  }
  EXPECT_TRUE(eventually([&] { return rejected(*server, Rejection::kSlowViewer) == 1; }));
  EXPECT_TRUE(eventually([&] { return server->stats().viewers == 1; }));
  // The queue (send_hwm frames) plus what libzmq is writing and the cache.
  EXPECT_LE(most, (10u + 8u) * frame) << "frame " << frame;
  EXPECT_GT(server->stats().frames_dropped, 0u);
  // The reading viewer got the last one.
  EXPECT_TRUE(eventually([&] { return !reader->snapshots().empty() && reader->snapshots()[0]->gauges().process_count() == 2000u && reader->stats().frames_received >= 150; }));
}

TEST(StreamBounds, SilentConnectionsAreClosed) {
  StreamServerOptions opts;
  opts.viewer_timeout_ms = 300;
  auto server = start_server(opts);
  RawPeer quiet(server->bound_endpoint());
  ASSERT_TRUE(eventually([&] { return server->stats().connections == 1; }));
  EXPECT_TRUE(eventually([&] { return rejected(*server, Rejection::kSilent) >= 1; }));
  EXPECT_TRUE(eventually([&] { return server->stats().disconnects >= 1; }));
}

TEST(StreamBounds, GarbageIsCountedAndARepeatOffenderIsDisconnected) {
  auto server = start_server();
  RawPeer peer(server->bound_endpoint());
  // A valid Envelope that is no request: a keyframe sent to the server.
  peer.send(protocol::encode(keyframe(1)));
  EXPECT_TRUE(eventually([&] { return rejected(*server, Rejection::kUnknownRequest) == 1; }));
  for (int i = 0; i < kMaxBadFrames - 1; ++i) peer.send("\x0a\xff\xff garbage");
  EXPECT_TRUE(eventually([&] { return rejected(*server, Rejection::kMisbehaving) == 1; }));
  EXPECT_EQ(rejected(*server, Rejection::kBadFrame), static_cast<std::uint64_t>(kMaxBadFrames - 1));
  EXPECT_TRUE(eventually([&] { return server->stats().disconnects >= 1; }));
  EXPECT_EQ(std::string(to_string(Rejection::kMisbehaving)), "misbehaving");
}

TEST(StreamBounds, HellosWaitForTheCpuBoundAndAreAllAnswered) {
#if defined(__SANITIZE_ADDRESS__)
  // Under ASan encoding costs several times its CPU, so the bound admits a
  // Hello every few seconds: the run outlasted ctest's 600 s timeout.
  GTEST_SKIP() << "timing-bound: runs in the normal build";
#endif
  StreamServerOptions opts;
  opts.serve_cpu_us_per_s = 5000;  // 0.5% of a core; encoding 4000 processes costs more
  auto server = start_server(opts);
  server->publish(keyframe(1, 4000));
  ASSERT_TRUE(eventually([&] { return server->snapshots().size() == 1; }));
  std::vector<std::unique_ptr<RawPeer>> peers;
  for (int i = 0; i < 30; ++i) {
    peers.push_back(std::make_unique<RawPeer>(server->bound_endpoint()));
    peers.back()->send(hello(false));
  }
  for (auto& p : peers) EXPECT_TRUE(p->snapshot_done(20000ms));
  const auto s = server->stats();
  EXPECT_EQ(s.hellos_answered, 30u);
  EXPECT_GT(s.hellos_deferred, 0u);
  // libzmq's own threads (the I/O thread wrote ~12 MB) are in io_cpu_us.
  EXPECT_GT(s.zmq_cpu_us, 0u);
  EXPECT_GT(s.io_cpu_us, s.zmq_cpu_us);
}

// A flood's own cost (garbage, connections) takes the CPU bound's credit
// too; the longest-waiting Hello is still answered every 100 ms, so
// viewers are slowed, never locked out, and the floor is itself a bound.
TEST(StreamBounds, AnExhaustedCpuBoundStillAnswersAHelloEveryTenthOfASecond) {
  StreamServerOptions opts;
  opts.serve_cpu_us_per_s = 1;  // spent by the first answer, for good
  auto server = start_server(opts);
  server->publish(keyframe(1, 100));
  ASSERT_TRUE(eventually([&] { return server->snapshots().size() == 1; }));
  constexpr int kPeers = 20;
  std::vector<std::unique_ptr<RawPeer>> peers;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kPeers; ++i) {
    peers.push_back(std::make_unique<RawPeer>(server->bound_endpoint()));
    peers.back()->send(hello(false));
  }
  for (auto& p : peers) EXPECT_TRUE(p->snapshot_done(20000ms));
  const auto took = std::chrono::steady_clock::now() - t0;
  const auto s = server->stats();
  EXPECT_EQ(s.hellos_answered, static_cast<std::uint64_t>(kPeers));
  EXPECT_GE(s.hellos_deferred, static_cast<std::uint64_t>(kPeers - 2));
  // One answer within the credit, then one every 100 ms: about 1.9 s.
  EXPECT_GE(took, 1500ms);
  EXPECT_LE(took, 10000ms);
}

}  // namespace
}  // namespace beamscope::transport
