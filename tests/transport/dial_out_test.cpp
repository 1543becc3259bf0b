// A stream server that dials a collector (StreamServerOptions::dial_out):
// real sockets on loopback; the test's ROUTER plays the collector, which
// cannot speak first on a connection it did not open.
#include <gtest/gtest.h>

#include <optional>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/version.hpp"
#include "beamscope/transport/curve_keys.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "eventually.hpp"
#include "server_fixtures.hpp"

namespace beamscope::transport {
namespace {

using namespace std::chrono_literals;
using protocol::Envelope;
using testing::delta;
using testing::eventually;

using testing::keyframe;
// The collector's end: a ROUTER bound on loopback.
struct FakeCollector {
  zmq::context_t ctx{1};
  zmq::socket_t router{ctx, zmq::socket_type::router};
  std::string endpoint;

  explicit FakeCollector(const std::string& at = "tcp://127.0.0.1:*", const std::string& secret = "") {
    router.set(zmq::sockopt::linger, 0);
    if (!secret.empty()) {
      router.set(zmq::sockopt::curve_server, 1);
      router.set(zmq::sockopt::curve_secretkey, secret);
    }
    router.bind(at);
    endpoint = router.get(zmq::sockopt::last_endpoint);
  }

  // The next frame from any agent within `limit`: (routing id, envelope).
  std::optional<std::pair<std::string, Envelope>> next(std::chrono::milliseconds limit = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 50ms);
      if (!(item.revents & ZMQ_POLLIN)) continue;
      std::vector<zmq::message_t> parts;
      if (!zmq::recv_multipart(router, std::back_inserter(parts), zmq::recv_flags::dontwait) || parts.size() != 2)
        continue;
      auto decoded = protocol::decode(parts[1].to_string_view());
      if (auto* env = std::get_if<Envelope>(&decoded)) return std::make_pair(parts[0].to_string(), *env);
    }
    return std::nullopt;
  }

  // The next frame that satisfies `want`, skipping others (heartbeats).
  template <typename Pred>
  std::optional<std::pair<std::string, Envelope>> next_where(Pred want, std::chrono::milliseconds limit = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      auto got = next(std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      if (got && want(got->second)) return got;
    }
    return std::nullopt;
  }

  void send(const std::string& id, Envelope env) {
    const std::string body = protocol::encode(env, "", 0);
    router.send(zmq::buffer(id), zmq::send_flags::sndmore);
    router.send(zmq::buffer(body));
  }

  void hello(const std::string& id) {
    Envelope env;
    env.mutable_hello()->set_client("fake-collector");
    env.mutable_hello()->set_want_stream(true);
    send(id, env);
  }
};

std::unique_ptr<StreamServer> dialling(const std::string& collector, ClientSecurity security = {}) {
  StreamServerOptions opts;
  opts.endpoint.clear();  // no inbound port at all
  opts.dial_out.push_back(DialOutTarget{.endpoint = collector, .security = std::move(security)});
  std::string error;
  auto server = StreamServer::start(opts, error);
  EXPECT_TRUE(server) << error;
  return server;
}

auto is_announce = [](const Envelope& e) { return e.has_announce(); };

TEST(DialOut, CollectorIsAnnouncedThenServedLikeAViewer) {
  FakeCollector collector;
  auto server = dialling(collector.endpoint);
  ASSERT_TRUE(server);
  EXPECT_EQ(server->bound_endpoint(), "") << "binds nothing a viewer could reach";
  server->publish(keyframe("edge@host", 1, 42));

  auto announce = collector.next_where(is_announce);
  ASSERT_TRUE(announce) << "the agent speaks first on the connection it opened";
  EXPECT_FALSE(announce->second.announce().agent_version().empty());
  const std::string id = announce->first;

  collector.hello(id);
  auto kf = collector.next_where([](const Envelope& e) { return e.has_keyframe(); });
  ASSERT_TRUE(kf) << "a Hello over the dialled connection is answered with the keyframe";
  EXPECT_EQ(kf->first, id);
  EXPECT_EQ(kf->second.keyframe().gauges().process_count(), 42u);

  server->publish(delta("edge@host", 2, 43));
  auto d = collector.next_where([](const Envelope& e) { return e.has_delta(); });
  ASSERT_TRUE(d) << "and it streams";
  EXPECT_EQ(d->second.delta().gauges().process_count(), 43u);

  ASSERT_TRUE(eventually([&] {
    auto s = server->stats();
    return s.dial_out.size() == 1 && s.dial_out[0].connected && s.viewers == 1;
  }));
  const auto state = server->stats().dial_out[0];
  EXPECT_EQ(state.endpoint, collector.endpoint);
  EXPECT_GE(state.announces, 1u);
  EXPECT_GE(state.frames_out, 2u);
  EXPECT_GE(state.frames_in, 1u);
  EXPECT_EQ(state.refused, "");
}

TEST(DialOut, RestartedCollectorIsAnnouncedToAgain) {
  auto first = std::make_unique<FakeCollector>();
  const std::string endpoint = first->endpoint;
  auto server = dialling(endpoint);
  ASSERT_TRUE(server);
  server->publish(keyframe("edge@host", 1, 7));
  auto announce = first->next_where(is_announce);
  ASSERT_TRUE(announce);
  first->hello(announce->first);
  ASSERT_TRUE(first->next_where([](const Envelope& e) { return e.has_keyframe(); }));

  first.reset();  // the collector goes away; its successor knows nothing
  FakeCollector second(endpoint);
  auto again = second.next_where(is_announce, 8000ms);
  ASSERT_TRUE(again) << "a new collector on the same endpoint is told an agent is there";
  second.hello(again->first);
  auto kf = second.next_where([](const Envelope& e) { return e.has_keyframe(); });
  ASSERT_TRUE(kf) << "and gets the current keyframe, not the old one's backlog first";
  EXPECT_EQ(kf->second.keyframe().gauges().process_count(), 7u);
  EXPECT_GE(server->stats().dial_out[0].connections, 2u);
}

TEST(DialOut, EncryptedToACurveCollector) {
  const CurveKeyPair collector_keys = generate_curve_keypair();
  FakeCollector collector("tcp://127.0.0.1:*", collector_keys.secret_key);
  ClientSecurity security{.server_public_key = collector_keys.public_key, .own = generate_curve_keypair()};
  auto server = dialling(collector.endpoint, security);
  ASSERT_TRUE(server);
  server->publish(keyframe("edge@host", 1, 5));
  auto announce = collector.next_where(is_announce);
  ASSERT_TRUE(announce) << "the CURVE handshake completes with the collector's key";
  collector.hello(announce->first);
  ASSERT_TRUE(collector.next_where([](const Envelope& e) { return e.has_keyframe(); }));
}

TEST(DialOut, WrongCollectorKeyNeverReachesIt) {
  const CurveKeyPair collector_keys = generate_curve_keypair();
  FakeCollector collector("tcp://127.0.0.1:*", collector_keys.secret_key);
  // The agent was given another collector's public key.
  ClientSecurity security{.server_public_key = generate_curve_keypair().public_key, .own = generate_curve_keypair()};
  auto server = dialling(collector.endpoint, security);
  ASSERT_TRUE(server);
  server->publish(keyframe("edge@host", 1, 5));
  EXPECT_FALSE(collector.next(2500ms)) << "no frame gets through a failed handshake";
  const auto state = server->stats().dial_out[0];
  EXPECT_FALSE(state.connected);
  EXPECT_EQ(state.announces, 0u);
}

TEST(DialOut, NothingToServeIsAnError) {
  StreamServerOptions opts;
  opts.endpoint.clear();
  std::string error;
  EXPECT_FALSE(StreamServer::start(opts, error));
  EXPECT_NE(error.find("nothing could reach"), std::string::npos) << error;

  opts.dial_out.push_back(DialOutTarget{.endpoint = "tcp://collector", .security = {}});
  EXPECT_FALSE(StreamServer::start(opts, error));
  EXPECT_NE(error.find("tcp://HOST:PORT"), std::string::npos) << error;
}

TEST(DialOut, ServesItsOwnEndpointToo) {
  FakeCollector collector;
  StreamServerOptions opts;
  opts.endpoint = "tcp://127.0.0.1:*";
  opts.dial_out.push_back(DialOutTarget{.endpoint = collector.endpoint, .security = {}});
  std::string error;
  auto server = StreamServer::start(opts, error);
  ASSERT_TRUE(server) << error;
  EXPECT_EQ(server->bound_endpoint().rfind("tcp://127.0.0.1:", 0), 0u) << server->bound_endpoint();
  ASSERT_TRUE(collector.next_where(is_announce));
}

}  // namespace
}  // namespace beamscope::transport
