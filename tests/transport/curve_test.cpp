// CURVE streams over real ZeroMQ sockets on loopback: key files, the ZAP
// handler's authorized keys (and their live revocation), the plaintext
// rule off loopback, and what a refused viewer is told.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "beamscope/protocol/version.hpp"
#include "beamscope/transport/curve_keys.hpp"
#include "beamscope/transport/security.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "eventually.hpp"

namespace beamscope::transport {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/beamscope-curve-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

void write_text(const std::string& path, const std::string& text, mode_t mode = 0600) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

using testing::eventually;

protocol::Envelope keyframe(const std::string& node, std::uint64_t seq) {
  protocol::Envelope env;
  env.set_version_major(protocol::kVersionMajor);
  env.set_node(node);
  env.set_seq(seq);
  env.mutable_keyframe()->mutable_info()->set_node(node);
  env.mutable_keyframe()->mutable_gauges()->set_process_count(42);
  return env;
}

// An agent-like server with a key pair and an authorized-keys file holding
// the "good" viewer's key.
struct SecureFixture : ::testing::Test {
  TempDir dir;
  CurveKeyPair server_keys, good_viewer;
  std::unique_ptr<StreamServer> server;
  std::vector<std::string> warnings;
  std::mutex warnings_mu;

  void SetUp() override {
    ASSERT_FALSE(write_keypair_files(dir.file("agent"), server_keys));
    ASSERT_FALSE(write_keypair_files(dir.file("viewer"), good_viewer));
    write_text(dir.file("authorized"), "# viewers\n" + good_viewer.public_key + " alice@desk\n", 0644);
    StreamServerOptions opts;
    opts.endpoint = "tcp://127.0.0.1:*";
    opts.security.secret_key_file = dir.file("agent.secret");
    opts.security.authorized_keys_file = dir.file("authorized");
    opts.on_warning = [this](const std::string& w) {
      std::lock_guard lock(warnings_mu);
      warnings.push_back(w);
    };
    std::string error;
    server = StreamServer::start(opts, error);
    ASSERT_TRUE(server) << error;
    ASSERT_TRUE(server->publish(keyframe("shop@host", 1)));
  }

  ClientSecurity viewer_security(const std::string& key_file) {
    ClientSecurity sec;
    EXPECT_FALSE(load_client_security(dir.file("agent.pub"), key_file, sec));
    return sec;
  }
};

TEST(CurveKeys, KeygenWritesAPairWithAPrivateSecretAndRefusesToOverwrite) {
  TempDir dir;
  CurveKeyPair pair;
  ASSERT_FALSE(write_keypair_files(dir.file("k"), pair));
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("k.secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string pub, sec;
  EXPECT_FALSE(read_public_key_file(dir.file("k.pub"), pub));
  EXPECT_FALSE(read_secret_key_file(dir.file("k.secret"), sec));
  EXPECT_EQ(pub, pair.public_key);
  EXPECT_EQ(derive_public_key(sec), pub);
  auto again = write_keypair_files(dir.file("k"), pair);
  ASSERT_TRUE(again);
  EXPECT_NE(again->find("already exists"), std::string::npos) << *again;
  std::string unchanged;
  EXPECT_FALSE(read_secret_key_file(dir.file("k.secret"), unchanged));
  EXPECT_EQ(unchanged, sec);
}

TEST(CurveKeys, BadKeyFilesAreRefusedWithTheFileAndLine) {
  TempDir dir;
  std::string key;
  auto missing = read_public_key_file(dir.file("none.pub"), key);
  ASSERT_TRUE(missing);
  EXPECT_NE(missing->find("none.pub"), std::string::npos);

  write_text(dir.file("empty.pub"), "");
  auto empty = read_public_key_file(dir.file("empty.pub"), key);
  ASSERT_TRUE(empty);
  EXPECT_NE(empty->find("empty"), std::string::npos) << *empty;

  write_text(dir.file("short.pub"), "# mine\nabc\n");
  auto shortkey = read_public_key_file(dir.file("short.pub"), key);
  ASSERT_TRUE(shortkey);
  EXPECT_NE(shortkey->find("short.pub:2:"), std::string::npos) << *shortkey;

  write_text(dir.file("notz85.pub"), std::string(40, '"') + "\n");
  auto notz85 = read_public_key_file(dir.file("notz85.pub"), key);
  ASSERT_TRUE(notz85);
  EXPECT_NE(notz85->find("Z85"), std::string::npos) << *notz85;

  const auto pair = generate_curve_keypair();
  write_text(dir.file("open.secret"), pair.secret_key + "\n", 0644);
  auto open = read_secret_key_file(dir.file("open.secret"), key);
  ASSERT_TRUE(open);
  EXPECT_NE(open->find("0644 are too open"), std::string::npos) << *open;

  std::string with_nul = pair.public_key;
  with_nul[20] = '\0';
  EXPECT_TRUE(check_z85_key(with_nul));
  std::set<std::string> keys;
  auto bad_line = parse_authorized_keys(pair.public_key + "\n\n# c\nnot-a-key\n", "auth", keys);
  ASSERT_TRUE(bad_line);
  EXPECT_EQ(bad_line->rfind("auth:4:", 0), 0u) << *bad_line;
  EXPECT_FALSE(parse_authorized_keys(pair.public_key + " bob\n# c\n\n", "auth", keys));
  EXPECT_EQ(keys, std::set<std::string>{pair.public_key});
}

TEST(CurveRules, PlaintextOffLoopbackIsRefusedUnlessInsecureIsExplicit) {
  ServerSecurity plain{.hint = "set stream_secret_key_file"};
  EXPECT_FALSE(check_bind_security("tcp://127.0.0.1:9755", plain));
  EXPECT_FALSE(check_bind_security("ipc:///tmp/x", plain));
  auto refused = check_bind_security("tcp://0.0.0.0:9755", plain);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("set stream_secret_key_file"), std::string::npos);
  EXPECT_TRUE(check_bind_security("tcp://*:9755", plain));
  plain.insecure_remote = true;
  EXPECT_FALSE(check_bind_security("tcp://0.0.0.0:9755", plain));
  EXPECT_TRUE(is_plaintext_remote("tcp://0.0.0.0:9755", plain));

  StreamServerOptions opts;
  opts.endpoint = "tcp://0.0.0.0:*";
  std::string error;
  EXPECT_FALSE(StreamServer::start(opts, error));
  EXPECT_NE(error.find("plaintext"), std::string::npos) << error;
}

TEST_F(SecureFixture, AuthorizedViewerGetsTheSnapshot) {
  std::string error;
  auto fleet = fetch_snapshot(server->bound_endpoint(), 3000ms, error, viewer_security(dir.file("viewer.secret")));
  ASSERT_TRUE(fleet) << error;
  EXPECT_EQ(fleet->size(), 1u);
  EXPECT_TRUE(server->stats().curve);
  EXPECT_EQ(server->stats().auth_refused, 0u);
}

TEST_F(SecureFixture, UnlistedKeyIsRefusedPlainlyAndCounted) {
  CurveKeyPair stranger;
  ASSERT_FALSE(write_keypair_files(dir.file("stranger"), stranger));
  std::string error;
  const auto t0 = std::chrono::steady_clock::now();
  auto fleet = fetch_snapshot(server->bound_endpoint(), 5000ms, error, viewer_security(dir.file("stranger.secret")));
  EXPECT_FALSE(fleet);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4000ms) << "a refusal must not wait for the timeout";
  EXPECT_EQ(error, "not authorized by " + server->bound_endpoint() +
                       ": is your public key in its authorized keys file? (yours: " +
                       stranger.public_key.substr(0, 8) + "...)");
  EXPECT_GE(server->stats().auth_refused, 1u);
  std::lock_guard lock(warnings_mu);
  ASSERT_FALSE(warnings.empty());
  EXPECT_NE(warnings[0].find(stranger.public_key.substr(0, 8)), std::string::npos) << warnings[0];
}

TEST_F(SecureFixture, PlaintextViewerIsToldKeysAreNeeded) {
  std::string error;
  auto fleet = fetch_snapshot(server->bound_endpoint(), 5000ms, error);
  EXPECT_FALSE(fleet);
  EXPECT_EQ(error.rfind("not authorized by " + server->bound_endpoint() + ": it requires CURVE keys", 0), 0u)
      << error;
  EXPECT_TRUE(eventually([&] { return server->stats().handshake_failed >= 1; }));
}

TEST_F(SecureFixture, WrongServerKeyFailsTheHandshake) {
  const auto other = generate_curve_keypair();
  write_text(dir.file("other.pub"), other.public_key + "\n", 0644);
  ClientSecurity sec;
  ASSERT_FALSE(load_client_security(dir.file("other.pub"), dir.file("viewer.secret"), sec));
  std::string error;
  auto fleet = fetch_snapshot(server->bound_endpoint(), 3000ms, error, sec);
  EXPECT_FALSE(fleet);
  EXPECT_EQ(error.rfind("not authorized by " + server->bound_endpoint(), 0), 0u) << error;
  EXPECT_TRUE(eventually([&] { return server->stats().handshake_failed >= 1; }));
}

TEST_F(SecureFixture, RemovingAKeyStopsNewConnectionsWithoutARestart) {
  std::string error;
  ASSERT_TRUE(fetch_snapshot(server->bound_endpoint(), 3000ms, error, viewer_security(dir.file("viewer.secret"))))
      << error;
  write_text(dir.file("authorized"), "# alice revoked\n", 0644);
  bool refused = eventually([&] {
    std::string e;
    auto f = fetch_snapshot(server->bound_endpoint(), 1000ms, e, viewer_security(dir.file("viewer.secret")));
    return !f && e.rfind("not authorized", 0) == 0;
  }, 5000ms);
  EXPECT_TRUE(refused);
  // And back: the key is added again.
  write_text(dir.file("authorized"), good_viewer.public_key + "\n", 0644);
  EXPECT_TRUE(eventually([&] {
    std::string e;
    return fetch_snapshot(server->bound_endpoint(), 1000ms, e, viewer_security(dir.file("viewer.secret")))
        .has_value();
  }, 5000ms));
}

TEST_F(SecureFixture, StreamingClientShowsTheRefusal) {
  CurveKeyPair stranger;
  ASSERT_FALSE(write_keypair_files(dir.file("stranger"), stranger));
  std::string error;
  auto client = StreamClient::start(server->bound_endpoint(), error, {}, {}, {},
                                    viewer_security(dir.file("stranger.secret")));
  ASSERT_TRUE(client) << error;
  EXPECT_TRUE(eventually([&] { return client->stats().refused.rfind("not authorized by", 0) == 0; }));
  EXPECT_TRUE(client->snapshots().empty());
  auto good = StreamClient::start(server->bound_endpoint(), error, {}, {}, {},
                                  viewer_security(dir.file("viewer.secret")));
  ASSERT_TRUE(good) << error;
  EXPECT_TRUE(eventually([&] { return good->snapshots().size() == 1; }));
  EXPECT_TRUE(good->stats().refused.empty());
}

// libzmq gives up on a connection whose handshake the server refused (ZAP
// 400 is a protocol error, not a dropped link): the client must make a new
// socket itself, or a viewer refused once stays refused after its key is added.
TEST_F(SecureFixture, RefusedStreamingClientRecoversWhenItsKeyIsAdded) {
  CurveKeyPair late;
  ASSERT_FALSE(write_keypair_files(dir.file("late"), late));
  std::string error;
  auto client =
      StreamClient::start(server->bound_endpoint(), error, {}, {}, {}, viewer_security(dir.file("late.secret")));
  ASSERT_TRUE(client) << error;
  ASSERT_TRUE(eventually([&] { return !client->stats().refused.empty(); }));
  const auto refused_before = server->stats().auth_refused;
  write_text(dir.file("authorized"), good_viewer.public_key + "\n" + late.public_key + " late\n", 0644);
  const auto t0 = std::chrono::steady_clock::now();
  // The server re-reads the file within a second; the client retries 1 s
  // after the refusal, then 2 s, 4 s...: well inside 8 s.
  ASSERT_TRUE(eventually([&] { return client->snapshots().size() == 1; }, 8000ms))
      << "still: " << client->stats().refused;
  std::printf("recovered %.1f s after the key was added\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  EXPECT_TRUE(client->stats().refused.empty());
  EXPECT_TRUE(client->stats().connected);
  EXPECT_GE(server->stats().auth_refused, refused_before);
}

// While refused, the client tries again with a growing delay (1 s, 2 s, 4 s
// ...), not in a tight loop, and keeps saying it is refused meanwhile.
TEST_F(SecureFixture, RefusedStreamingClientRetriesWithBackoff) {
  CurveKeyPair stranger;
  ASSERT_FALSE(write_keypair_files(dir.file("stranger"), stranger));
  std::string error;
  auto client =
      StreamClient::start(server->bound_endpoint(), error, {}, {}, {}, viewer_security(dir.file("stranger.secret")));
  ASSERT_TRUE(client) << error;
  ASSERT_TRUE(eventually([&] { return server->stats().auth_refused >= 1; }));
  const auto first = server->stats().auth_refused;
  // Refusals at about 0, 1, 3 and 7 s: within 4.5 s, two or three more.
  bool refused_all_along = true;
  const auto deadline = std::chrono::steady_clock::now() + 4500ms;
  while (std::chrono::steady_clock::now() < deadline) {
    refused_all_along &= !client->stats().refused.empty();
    std::this_thread::sleep_for(50ms);
  }
  const auto more = server->stats().auth_refused - first;
  EXPECT_GE(more, 2u) << "the client must try again";
  EXPECT_LE(more, 3u) << "the client must back off";
  EXPECT_TRUE(refused_all_along) << "the refusal stays visible between attempts";
  EXPECT_TRUE(client->snapshots().empty());
}

TEST(CurveServer, BadKeyFilesFailTheStart) {
  TempDir dir;
  const auto pair = generate_curve_keypair();
  write_text(dir.file("open.secret"), pair.secret_key + "\n", 0644);
  StreamServerOptions opts;
  opts.endpoint = "tcp://127.0.0.1:*";
  opts.security.secret_key_file = dir.file("open.secret");
  std::string error;
  EXPECT_FALSE(StreamServer::start(opts, error));
  EXPECT_NE(error.find("too open"), std::string::npos) << error;

  write_text(dir.file("ok.secret"), pair.secret_key + "\n", 0600);
  opts.security.secret_key_file = dir.file("ok.secret");
  opts.security.authorized_keys_file = dir.file("missing");
  EXPECT_FALSE(StreamServer::start(opts, error));
  EXPECT_NE(error.find("missing"), std::string::npos) << error;

  opts.security.authorized_keys_file.clear();
  auto server = StreamServer::start(opts, error);
  EXPECT_TRUE(server) << error;
}

}  // namespace
}  // namespace beamscope::transport
