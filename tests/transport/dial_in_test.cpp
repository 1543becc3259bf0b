// The collector's end of agents that dial out (DialInListener), over real
// sockets on loopback: a fake agent (a DEALER that announces itself and
// answers the Hello with a keyframe) and a real StreamClient on the
// listener's inproc endpoint, as the collector runs it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include <zmq.hpp>

#include "../collector/stream_fixtures.hpp"
#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/curve_keys.hpp"
#include "beamscope/transport/dial_in_listener.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "eventually.hpp"
#include "raw_zmtp.hpp"

namespace beamscope::transport {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
namespace fs = std::filesystem;

std::string announce_frame() {
  protocol::Envelope env;
  env.mutable_announce()->set_agent_version("test");
  return protocol::encode(env, "", 0);
}

// An agent's dial-out, reduced to what the listener sees.
class FakeAgent {
 public:
  explicit FakeAgent(const std::string& endpoint, const ClientSecurity& security = {},
                     const std::string& routing_id = "") {
    dealer_.set(zmq::sockopt::linger, 0);
    if (!routing_id.empty()) dealer_.set(zmq::sockopt::routing_id, zmq::buffer(routing_id));
    apply_client_security(dealer_, security);
    dealer_.connect(endpoint);
  }
  void send(const std::string& bytes) {
    zmq::message_t msg(bytes.data(), bytes.size());
    ASSERT_TRUE(dealer_.send(msg, zmq::send_flags::dontwait));
  }
  // Waits for a Hello and answers it with `node`'s keyframe.
  bool answer_hello(const std::string& node, std::chrono::milliseconds limit = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t item{dealer_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 100ms);
      zmq::message_t msg;
      if (!dealer_.recv(msg, zmq::recv_flags::dontwait)) continue;
      auto decoded = protocol::decode(msg.to_string_view());
      const auto* env = std::get_if<protocol::Envelope>(&decoded);
      if (!env || !env->has_hello()) continue;
      send(protocol::encode(beamscope::testing::keyframe(node, 1, 42)));
      return true;
    }
    return false;
  }

 private:
  zmq::context_t ctx_{1};
  zmq::socket_t dealer_{ctx_, zmq::socket_type::dealer};
};

// A listener on a free loopback port whose on_agent starts a StreamClient
// on the listener's context, as the collector does.
struct DialInFixture : ::testing::Test {
  std::unique_ptr<DialInListener> listener;
  std::mutex mu;
  std::map<std::string, std::unique_ptr<StreamClient>> clients;  // by agent name
  std::vector<std::string> names, gone;

  void start(DialInOptions opts = {}) {
    if (opts.endpoint.empty()) opts.endpoint = "tcp://127.0.0.1:*";
    opts.on_agent = [this](const std::string& name, const std::string& inproc, zmq::context_t& ctx) {
      std::string error;
      auto client = StreamClient::start(inproc, error, {}, {}, {}, {}, {}, &ctx);
      ASSERT_TRUE(client) << error;
      std::lock_guard lock(mu);
      names.push_back(name);
      clients[name] = std::move(client);
    };
    opts.on_agent_gone = [this](const std::string& name, const std::string& reason) {
      std::lock_guard lock(mu);
      gone.push_back(name + ": " + reason);
      clients.erase(name);  // stops it: its inproc end is closed already
    };
    std::string error;
    listener = DialInListener::start(opts, error);
    ASSERT_TRUE(listener) << error;
  }
  void TearDown() override {
    // The shutdown order the header asks for.
    if (listener) listener->stop();
    clients.clear();
    listener.reset();
  }
  std::size_t agents_named() {
    std::lock_guard lock(mu);
    return names.size();
  }
  bool serves(const std::string& name, const std::string& node) {
    std::lock_guard lock(mu);
    auto it = clients.find(name);
    if (it == clients.end()) return false;
    for (const auto& kf : it->second->snapshots())
      if (kf->info().node() == node) return true;
    return false;
  }
  std::uint64_t rejected(DialInRejection r) { return listener->stats().rejected[static_cast<std::size_t>(r)]; }
};

TEST_F(DialInFixture, AnnouncedAgentIsFollowedThroughInproc) {
  start();
  FakeAgent agent(listener->bound_endpoint());
  agent.send(announce_frame());
  ASSERT_TRUE(eventually([&] { return agents_named() == 1; }));
  EXPECT_EQ(names[0], "dial-in 127.0.0.1");
  ASSERT_TRUE(agent.answer_hello("a@h"));
  EXPECT_TRUE(eventually([&] { return serves(names[0], "a@h"); }));
  agent.send(announce_frame());  // swallowed: the link says Hello by itself
  EXPECT_TRUE(eventually([&] { return listener->stats().announces == 2; }));
  const auto s = listener->stats();
  EXPECT_EQ(s.agents, 1u);
  EXPECT_EQ(s.agents_ever, 1u);
  EXPECT_EQ(s.frames_in, 1u);  // the keyframe; announces are not relayed
  EXPECT_GE(s.frames_out, 1u);  // the Hello
  EXPECT_FALSE(s.curve);
}

TEST_F(DialInFixture, TwoAgentsOfOneAddressGetDistinctNames) {
  start();
  FakeAgent first(listener->bound_endpoint()), second(listener->bound_endpoint());
  first.send(announce_frame());
  ASSERT_TRUE(eventually([&] { return agents_named() == 1; }));
  second.send(announce_frame());
  ASSERT_TRUE(eventually([&] { return agents_named() == 2; }));
  EXPECT_NE(names[0], names[1]);
  EXPECT_EQ(names[1], "dial-in 127.0.0.1 #2");
  ASSERT_TRUE(first.answer_hello("a@h"));
  ASSERT_TRUE(second.answer_hello("b@h"));
  EXPECT_TRUE(eventually([&] { return serves(names[0], "a@h") && serves(names[1], "b@h"); }));
}

// A real agent keeps its routing id across reconnections (dial_out.cpp):
// a new connection with it, before the old one is known dead, is the
// agent the collector follows, not a second one.
TEST_F(DialInFixture, ReconnectionWithTheSameIdIsTheSameAgent) {
  start();
  auto before = std::make_unique<FakeAgent>(listener->bound_endpoint(), ClientSecurity{}, "\x07agent-one");
  before->send(announce_frame());
  ASSERT_TRUE(eventually([&] { return agents_named() == 1; }));
  ASSERT_TRUE(before->answer_hello("a@h"));
  ASSERT_TRUE(eventually([&] { return serves(names[0], "a@h"); }));

  FakeAgent after(listener->bound_endpoint(), ClientSecurity{}, "\x07agent-one");
  after.send(announce_frame());
  EXPECT_TRUE(eventually([&] { return listener->stats().announces == 2; }));
  before.reset();
  // The link, silent 3 s, says Hello again: the new connection answers it.
  ASSERT_TRUE(after.answer_hello("a@h", 8000ms));
  const auto s = listener->stats();
  EXPECT_EQ(s.agents, 1u);
  EXPECT_EQ(s.agents_ever, 1u) << "a reconnection is no second agent";
  EXPECT_EQ(agents_named(), 1u);
}

TEST_F(DialInFixture, FirstMessageMustBeAnAnnounce) {
  start();
  FakeAgent agent(listener->bound_endpoint());
  protocol::Envelope hb;
  hb.mutable_heartbeat();
  agent.send(protocol::encode(hb, "", 0));
  EXPECT_TRUE(eventually([&] { return rejected(DialInRejection::kNotAnnounced) == 1; }));
  agent.send("not a frame");
  EXPECT_TRUE(eventually([&] { return rejected(DialInRejection::kBadFrame) == 1; }));
  EXPECT_EQ(agents_named(), 0u);
  // Announcing later still lets it in.
  agent.send(announce_frame());
  EXPECT_TRUE(eventually([&] { return agents_named() == 1; }));
}

TEST_F(DialInFixture, SilentAgentIsLetGo) {
  start({.silence_ms = 300});
  FakeAgent agent(listener->bound_endpoint());
  agent.send(announce_frame());
  ASSERT_TRUE(eventually([&] { return agents_named() == 1; }));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return gone.size() == 1;
  }));
  EXPECT_EQ(gone[0], "dial-in 127.0.0.1: silent 300 ms");
  EXPECT_EQ(listener->stats().agents, 0u);
  // It may come back (its connection was closed too, and libzmq makes a
  // new one): a new announce is a new agent. A real one announces every
  // second while unanswered; one sent as the old connection closed is
  // lost with it.
  int polls = 0;
  EXPECT_TRUE(eventually([&] {
    if (polls++ % 20 == 0) agent.send(announce_frame());
    return listener->stats().agents_ever == 2;
  }));
}

TEST_F(DialInFixture, AgentsPastTheBoundAreRefused) {
  start({.max_agents = 1});
  FakeAgent first(listener->bound_endpoint()), second(listener->bound_endpoint());
  first.send(announce_frame());
  ASSERT_TRUE(eventually([&] { return agents_named() == 1; }));
  second.send(announce_frame());
  EXPECT_TRUE(eventually([&] { return rejected(DialInRejection::kTooManyAgents) == 1; }));
  EXPECT_EQ(agents_named(), 1u);
}

int port_of(const std::string& endpoint) { return std::stoi(endpoint.substr(endpoint.rfind(':') + 1)); }

// Peers that take a connection and never announce: some complete nothing
// (bare TCP), some the ZMTP greeting and READY as a DEALER. Each is closed
// within the bound and counted; a real agent still gets in meanwhile.
TEST_F(DialInFixture, ConnectionsThatNeverAnnounceAreClosedAndCounted) {
  start({.announce_timeout_ms = 1000, .max_unannounced = 16});
  const int port = port_of(listener->bound_endpoint());
  std::vector<testing::RawTcp> silent;
  for (int i = 0; i < 8; ++i) {
    silent.push_back(testing::RawTcp::connect_to(port));
    ASSERT_TRUE(silent.back().valid());
    if (i % 2 == 1) ASSERT_TRUE(silent.back().zmtp_handshake(/*as_server=*/false, "DEALER", 3000ms));
  }
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return listener->stats().unannounced == 8; }, 2000ms))
      << listener->stats().unannounced;

  FakeAgent agent(listener->bound_endpoint());
  agent.send(announce_frame());
  ASSERT_TRUE(eventually([&] { return agents_named() == 1; }));
  ASSERT_TRUE(agent.answer_hello("a@h"));
  EXPECT_TRUE(eventually([&] { return serves(names[0], "a@h"); }));

  for (auto& peer : silent) EXPECT_TRUE(peer.closed_within(4000ms)) << "a silent connection was held";
  const auto held = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(held, 3000ms);  // the 1 s bound (libzmq's own handshake limit is 5 s)
  EXPECT_TRUE(eventually([&] { return rejected(DialInRejection::kNoAnnounce) == 8; }));
  EXPECT_TRUE(eventually([&] { return listener->stats().unannounced == 0; }));
  const auto s = listener->stats();
  EXPECT_EQ(s.connections, 1u);  // the agent's
  EXPECT_EQ(s.agents, 1u);
  EXPECT_EQ(s.rejected[static_cast<std::size_t>(DialInRejection::kTooManyUnannounced)], 0u);
  EXPECT_TRUE(serves(names[0], "a@h"));
}

// Past the cap of connections waiting to announce, the oldest is closed at
// once: the count never passes the cap, and an agent that announces at
// once still gets in past a crowd of silent ones.
TEST_F(DialInFixture, PastTheCapTheOldestSilentConnectionIsClosed) {
  start({.announce_timeout_ms = 30000, .max_unannounced = 4});
  const int port = port_of(listener->bound_endpoint());
  std::vector<testing::RawTcp> silent;
  for (int i = 0; i < 10; ++i) {
    silent.push_back(testing::RawTcp::connect_to(port));
    ASSERT_TRUE(silent.back().zmtp_handshake(/*as_server=*/false, "DEALER", 3000ms));
    // One at a time, so that "oldest" is the order they came in.
    ASSERT_TRUE(eventually([&] { return listener->stats().unannounced == std::min<std::uint64_t>(i + 1, 4); }));
  }
  EXPECT_TRUE(eventually([&] { return rejected(DialInRejection::kTooManyUnannounced) == 6; }));
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(silent[i].closed_within(3000ms)) << i;
  for (int i = 6; i < 10; ++i) EXPECT_FALSE(silent[i].closed_within(50ms)) << i;
  EXPECT_EQ(listener->stats().unannounced, 4u);

  FakeAgent agent(listener->bound_endpoint());
  agent.send(announce_frame());
  ASSERT_TRUE(eventually([&] { return agents_named() == 1; }));
  ASSERT_TRUE(agent.answer_hello("a@h"));
  EXPECT_TRUE(eventually([&] { return serves(names[0], "a@h"); }));
  EXPECT_TRUE(silent[6].closed_within(3000ms));  // made room for the agent
  EXPECT_EQ(rejected(DialInRejection::kTooManyUnannounced), 7u);
  EXPECT_EQ(rejected(DialInRejection::kNoAnnounce), 0u);
  EXPECT_TRUE(eventually([&] { return listener->stats().connections == 4; }));  // the agent and 3 waiting
}

TEST(DialIn, PlaintextOffLoopbackIsRefused) {
  std::string error;
  EXPECT_FALSE(DialInListener::start({.endpoint = "tcp://0.0.0.0:*"}, error));
  EXPECT_NE(error.find("plaintext"), std::string::npos) << error;
}

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/beamscope-dialin-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

TEST_F(DialInFixture, CurveLetsInOnlyAuthorizedAgents) {
  TempDir dir;
  CurveKeyPair collector, good, bad;
  ASSERT_FALSE(write_keypair_files(dir.file("collector"), collector));
  ASSERT_FALSE(write_keypair_files(dir.file("good"), good));
  ASSERT_FALSE(write_keypair_files(dir.file("bad"), bad));
  std::ofstream(dir.file("agents")) << "# agents\n" << good.public_key << " shop\n";
  DialInOptions opts;
  opts.security.secret_key_file = dir.file("collector.secret");
  opts.security.authorized_keys_file = dir.file("agents");
  start(opts);
  EXPECT_TRUE(listener->stats().curve);
  FakeAgent intruder(listener->bound_endpoint(), {.server_public_key = collector.public_key, .own = bad});
  intruder.send(announce_frame());
  EXPECT_TRUE(eventually([&] { return listener->stats().auth_refused >= 1; }));
  FakeAgent agent(listener->bound_endpoint(), {.server_public_key = collector.public_key, .own = good});
  agent.send(announce_frame());
  ASSERT_TRUE(eventually([&] { return agents_named() == 1; }));
  ASSERT_TRUE(agent.answer_hello("shop@h"));
  EXPECT_TRUE(eventually([&] { return serves(names[0], "shop@h"); }));
  EXPECT_EQ(listener->stats().agents, 1u);
}

}  // namespace
}  // namespace beamscope::transport
