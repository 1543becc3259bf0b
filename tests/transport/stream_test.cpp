// Stream server and clients over real ZeroMQ sockets on loopback.
#include <gtest/gtest.h>

#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "beamscope/protocol/version.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "eventually.hpp"
#include "server_fixtures.hpp"

namespace beamscope::transport {
namespace {

using namespace std::chrono_literals;
using protocol::Envelope;

using testing::keyframe;
using testing::delta;

using testing::start_server;

using testing::eventually;

std::uint64_t process_count_of(const StreamClient& client) {
  auto snaps = client.snapshots();
  return snaps.empty() ? 0 : snaps[0]->gauges().process_count();
}

TEST(Stream, FetchSnapshotGetsLatestStateOfEveryNode) {
  auto server = start_server();
  server->publish(keyframe("a@h", 1, 10));
  server->publish(delta("a@h", 2, 11));
  server->publish(keyframe("b@h", 5, 20));
  ASSERT_TRUE(eventually([&] { return server->snapshots().size() == 2; }));

  std::string error;
  auto fleet = fetch_snapshot(server->bound_endpoint(), 2000ms, error);
  ASSERT_TRUE(fleet) << error;
  ASSERT_EQ(fleet->size(), 2u);
  EXPECT_EQ(fleet->find("a@h")->snapshot()->gauges().process_count(), 11u);
  EXPECT_EQ(fleet->find("a@h")->seq(), 2u);
  EXPECT_EQ(fleet->find("b@h")->snapshot()->gauges().process_count(), 20u);
}

TEST(Stream, FetchFromNothingFailsWithinTimeout) {
  std::string error;
  const auto t0 = std::chrono::steady_clock::now();
  auto fleet = fetch_snapshot("tcp://127.0.0.1:1", 500ms, error);
  EXPECT_FALSE(fleet);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_NE(error.find("no answer from tcp://127.0.0.1:1"), std::string::npos) << error;
}

TEST(Stream, LateJoinerGetsKeyframeThenDeltas) {
  auto server = start_server();
  server->publish(keyframe("a@h", 1, 10));
  ASSERT_TRUE(eventually([&] { return server->snapshots().size() == 1; }));

  std::string error;
  auto client = StreamClient::start(server->bound_endpoint(), error);
  ASSERT_TRUE(client) << error;
  ASSERT_TRUE(eventually([&] { return process_count_of(*client) == 10; }));
  ASSERT_TRUE(eventually([&] { return server->stats().viewers == 1; }));
  server->publish(delta("a@h", 2, 12));
  EXPECT_TRUE(eventually([&] { return process_count_of(*client) == 12; }));
  EXPECT_TRUE(client->stats().connected);
}

TEST(Stream, GapMakesClientResync) {
  auto server = start_server();
  server->publish(keyframe("a@h", 1, 10));
  std::string error;
  auto client = StreamClient::start(server->bound_endpoint(), error);
  ASSERT_TRUE(eventually([&] { return process_count_of(*client) == 10; }));
  ASSERT_TRUE(eventually([&] { return server->stats().viewers == 1; }));
  // The server's own model sees seq 2 as a gap too and drops it; a later
  // keyframe heals both. The client must then follow the new sequence.
  server->publish(keyframe("a@h", 7, 70));
  server->publish(delta("a@h", 8, 80));
  EXPECT_TRUE(eventually([&] { return process_count_of(*client) == 80; }));
}

TEST(Stream, MalformedAndOversizeFramesAreCountedAndDropped) {
  auto server = start_server();
  server->publish(keyframe("a@h", 1, 10));
  ASSERT_TRUE(eventually([&] { return server->snapshots().size() == 1; }));

  zmq::context_t ctx;
  zmq::socket_t raw(ctx, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.connect(server->bound_endpoint());
  raw.send(zmq::buffer(std::string("\x0a\xff\xff garbage")), zmq::send_flags::none);
  EXPECT_TRUE(eventually([&] { return server->stats().frames_rejected >= 1; }));
  // Over 64 KiB libzmq closes the connection before assembling the message.
  raw.send(zmq::buffer(std::string(9u << 20, 'x')), zmq::send_flags::none);
  EXPECT_TRUE(eventually([&] { return server->stats().disconnects >= 1; }));

  // And the server still serves.
  std::string error;
  auto fleet = fetch_snapshot(server->bound_endpoint(), 2000ms, error);
  ASSERT_TRUE(fleet) << error;
  EXPECT_EQ(fleet->size(), 1u);
}

TEST(Stream, ClientCountsMalformedFramesFromAServer) {
  zmq::context_t ctx;
  zmq::socket_t fake(ctx, zmq::socket_type::router);
  fake.set(zmq::sockopt::linger, 0);
  fake.bind("tcp://127.0.0.1:*");
  std::string error;
  auto client = StreamClient::start(fake.get(zmq::sockopt::last_endpoint), error);
  ASSERT_TRUE(client) << error;
  // Wait for the client's Hello to learn its identity, then answer garbage.
  std::vector<zmq::message_t> parts;
  fake.set(zmq::sockopt::rcvtimeo, 3000);
  ASSERT_TRUE(zmq::recv_multipart(fake, std::back_inserter(parts)));
  fake.send(parts[0], zmq::send_flags::sndmore);
  fake.send(zmq::buffer(std::string("\xff\xff\xff not a frame")), zmq::send_flags::none);
  EXPECT_TRUE(eventually([&] { return client->stats().frames_rejected == 1; }));
  EXPECT_TRUE(client->snapshots().empty());
}

TEST(Stream, PortInUseIsAClearError) {
  auto first = start_server();
  StreamServerOptions opts;
  opts.endpoint = first->bound_endpoint();
  std::string error;
  EXPECT_FALSE(StreamServer::start(opts, error));
  EXPECT_NE(error.find(first->bound_endpoint()), std::string::npos) << error;
  EXPECT_NE(error.find("in use"), std::string::npos) << error;
}

TEST(Stream, BadEndpointIsRefusedBeforeZeroMq) {
  std::string error;
  StreamServerOptions opts;
  opts.endpoint = "127.0.0.1:9755";
  EXPECT_FALSE(StreamServer::start(opts, error));
  EXPECT_NE(error.find("missing scheme"), std::string::npos);
  EXPECT_FALSE(StreamClient::start("nope", error));
}

TEST(Stream, FullQueueDropsAndCounts) {
  StreamServerOptions opts;
  opts.queue_limit = 0;
  auto server = start_server(opts);
  EXPECT_FALSE(server->publish(keyframe("a@h", 1, 1)));
  EXPECT_EQ(server->stats().frames_dropped, 1u);
}

TEST(Stream, NodeGoneReachesViewers) {
  auto server = start_server();
  server->publish(keyframe("a@h", 1, 10));
  std::string gone_node;
  std::mutex m;
  std::string error;
  auto client = StreamClient::start(server->bound_endpoint(), error, {}, [&](const std::string& node, const std::string&) {
    std::lock_guard lock(m);
    gone_node = node;
  });
  ASSERT_TRUE(eventually([&] { return process_count_of(*client) == 10; }));
  server->node_gone("a@h", "agent unreachable");
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(m);
    return gone_node == "a@h";
  }));
  EXPECT_TRUE(eventually([&] { return client->snapshots().empty(); }));
}

}  // namespace
}  // namespace beamscope::transport
