// Malformed and oversize frames at the collector, from both sides, sent with
// raw ZeroMQ sockets: each is counted and dropped, and the collector keeps
// serving good data.
#include <gtest/gtest.h>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "beamscope/collector/fan_in.hpp"
#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/limits.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "stream_fixtures.hpp"

namespace beamscope::collector {
namespace {

using namespace std::chrono_literals;
using testing::find_node;
using testing::keyframe;
using testing::wait_until;

// Frames no peer should ever send: each fails decode for a different reason.
std::vector<std::string> bad_frames() {
  std::vector<std::string> out;
  out.push_back("\xff\xff\xff garbage, not protobuf");                        // malformed
  out.push_back(std::string(protocol::limits::kMaxFrameBytes + 1024, '\0'));  // too large
  auto wrong_version = keyframe("evil@h", 1, 1);
  wrong_version.set_version_major(protocol::kVersionMajor + 1);
  out.push_back(protocol::encode(wrong_version));
  auto too_many = keyframe("evil@h", 1, 1);
  for (std::size_t i = 0; i <= protocol::limits::kMaxProcesses; ++i) {
    too_many.mutable_keyframe()->add_processes()->set_pid("<0." + std::to_string(i) + ".1>");
  }
  out.push_back(protocol::encode(too_many));                                   // out of bounds
  return out;
}

void send(zmq::socket_t& s, const std::string& payload, zmq::send_flags flags = zmq::send_flags::none) {
  ASSERT_TRUE(s.send(zmq::buffer(payload), flags));
}

TEST(CollectorBadInput, FramesFromViewersAreCountedAndDropped) {
  std::string err;
  auto agent = transport::StreamServer::start({.endpoint = "tcp://127.0.0.1:*"}, err);
  ASSERT_TRUE(agent) << err;
  ASSERT_TRUE(agent->publish(keyframe("a@h", 1, 10)));
  auto fan = FanIn::start({.agents = {agent->bound_endpoint()}, .server = {.endpoint = "tcp://127.0.0.1:*"}}, err);
  ASSERT_TRUE(fan) << err;

  zmq::context_t ctx;
  zmq::socket_t raw(ctx, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.connect(fan->listen_endpoint());
  const auto frames = bad_frames();
  for (const auto& f : frames) send(raw, f);
  // A two-part message is not a frame of the protocol either.
  send(raw, "part one", zmq::send_flags::sndmore);
  send(raw, "part two");
  // The 8 MiB frame closes its connection unread (over 64 KiB); the others,
  // the two-part message included, are refused and counted by reason.
  auto refused = [&] {
    const auto s = fan->stats().server;
    return s.rejected[static_cast<std::size_t>(transport::Rejection::kBadFrame)] +
           s.rejected[static_cast<std::size_t>(transport::Rejection::kTooLarge)];
  };
  ASSERT_TRUE(wait_until([&] { return refused() >= frames.size() && fan->stats().server.disconnects >= 1; }))
      << "refused: " << refused() << ", disconnects: " << fan->stats().server.disconnects;

  // Still serving: a well-behaved viewer gets the node.
  auto fleet = transport::fetch_snapshot(fan->listen_endpoint(), 3000ms, err);
  ASSERT_TRUE(fleet) << err;
  EXPECT_NE(fleet->find("a@h"), nullptr);
  EXPECT_EQ(fleet->find("evil@h"), nullptr);
}

// A fake agent (raw ROUTER) answers the collector's Hello with bad frames,
// then with a good keyframe; a real agent next to it keeps streaming.
TEST(CollectorBadInput, FramesFromAnAgentAreCountedAndDropped) {
  zmq::context_t ctx;
  zmq::socket_t fake(ctx, zmq::socket_type::router);
  fake.set(zmq::sockopt::linger, 0);
  fake.bind("tcp://127.0.0.1:*");
  const std::string fake_endpoint = fake.get(zmq::sockopt::last_endpoint);

  std::string err;
  auto agent = transport::StreamServer::start({.endpoint = "tcp://127.0.0.1:*"}, err);
  ASSERT_TRUE(agent) << err;
  ASSERT_TRUE(agent->publish(keyframe("real@h", 1, 10)));

  auto fan = FanIn::start({.agents = {fake_endpoint, agent->bound_endpoint()},
                           .server = {.endpoint = "tcp://127.0.0.1:*"}},
                          err);
  ASSERT_TRUE(fan) << err;

  // The collector's link says Hello: [identity, payload].
  std::vector<zmq::message_t> hello;
  fake.set(zmq::sockopt::rcvtimeo, 5000);
  ASSERT_TRUE(zmq::recv_multipart(fake, std::back_inserter(hello)));
  ASSERT_EQ(hello.size(), 2u);
  const std::string identity = hello[0].to_string();

  const auto frames = bad_frames();
  for (const auto& f : frames) {
    send(fake, identity, zmq::send_flags::sndmore);
    send(fake, f);
  }
  auto good = keyframe("fake@h", 1, 77);
  send(fake, identity, zmq::send_flags::sndmore);
  send(fake, protocol::encode(good));

  ASSERT_TRUE(wait_until([&] {
    auto s = fan->stats();
    return s.agents[0].frames_rejected >= frames.size() && find_node(fan->snapshots(), "fake@h");
  })) << "rejected: " << fan->stats().agents[0].frames_rejected;
  EXPECT_EQ(fan->stats().agents[0].frames_rejected, frames.size());
  EXPECT_FALSE(find_node(fan->snapshots(), "evil@h"));
  EXPECT_EQ(find_node(fan->snapshots(), "fake@h")->gauges().process_count(), 77u);

  // The real agent next to it is unaffected.
  ASSERT_TRUE(agent->publish(testing::delta("real@h", 2, 11, "<0.5.0>", 3)));
  ASSERT_TRUE(wait_until([&] {
    auto n = find_node(fan->snapshots(), "real@h");
    return n && n->gauges().process_count() == 11;
  }));
  EXPECT_EQ(fan->stats().agents[1].frames_rejected, 0u);
}

}  // namespace
}  // namespace beamscope::collector
