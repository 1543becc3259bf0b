// Requests from viewers (children pages) over real ZeroMQ sockets: the
// server hands them to its handler and routes the answer back to the one
// viewer that asked; without a handler it says so; nothing answers, nothing
// waits past its deadline.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "beamscope/transport/stream_client.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "server_fixtures.hpp"

namespace beamscope::transport {
namespace {

using namespace std::chrono_literals;
using protocol::Envelope;

using testing::start_server;

v1::ChildrenRequest request_for(const std::string& sup, std::uint64_t id, std::uint32_t offset) {
  v1::ChildrenRequest req;
  req.set_request_id(id);
  req.set_supervisor_id(sup);
  req.set_offset(offset);
  req.set_limit(2);
  req.set_order(v1::ChildrenRequest::BY_MAILBOX);
  return req;
}

// A server that answers every request with `offset` children named after
// the request, as an agent would.
struct AnsweringServer {
  StreamServer* server = nullptr;
  std::unique_ptr<StreamServer> owned;

  AnsweringServer() {
    StreamServerOptions opts;
    opts.on_request = [this](const std::string& viewer, const Envelope& req) {
      Envelope answer;
      answer.set_node(req.node());
      auto* page = answer.mutable_children_page();
      const auto& r = req.children_request();
      page->set_request_id(r.request_id());
      page->set_supervisor_id(r.supervisor_id());
      page->set_offset(r.offset());
      page->set_order(r.order());
      page->set_total(100);
      for (std::uint32_t i = 0; i < r.limit(); ++i)
        page->add_children()->set_id(r.supervisor_id() + "/" + std::to_string(r.offset() + i));
      server->reply(viewer, answer);  // any thread may answer; this one is the I/O thread
    };
    owned = start_server(opts);
    server = owned.get();
  }
};

TEST(Requests, FetchChildrenGetsTheAnswerToItsOwnRequest) {
  AnsweringServer s;
  std::string error;
  auto page = fetch_children(s.server->bound_endpoint(), "n@h", request_for("app/sup", 7, 40), 3000ms, error);
  ASSERT_TRUE(page) << error;
  EXPECT_EQ(page->request_id(), 7u);
  EXPECT_EQ(page->offset(), 40u);
  EXPECT_EQ(page->total(), 100u);
  EXPECT_EQ(page->order(), v1::ChildrenRequest::BY_MAILBOX);
  ASSERT_EQ(page->children_size(), 2);
  EXPECT_EQ(page->children(1).id(), "app/sup/41");
  EXPECT_EQ(s.server->stats().requests, 1u);
}

TEST(Requests, StreamingClientGetsRepliesOnlyForItself) {
  AnsweringServer s;
  std::mutex mutex;
  std::vector<v1::ChildrenPage> mine, theirs;
  std::string error;
  auto handler = [&](std::vector<v1::ChildrenPage>& into) {
    return [&](const Envelope& env) {
      std::lock_guard lock(mutex);
      into.push_back(env.children_page());
    };
  };
  auto a = StreamClient::start(s.server->bound_endpoint(), error, {}, {}, handler(mine));
  auto b = StreamClient::start(s.server->bound_endpoint(), error, {}, {}, handler(theirs));
  ASSERT_TRUE(a && b) << error;
  Envelope req;
  req.set_node("n@h");
  *req.mutable_children_request() = request_for("app/pool", 1, 0);
  ASSERT_TRUE(a->request(req));
  *req.mutable_children_request() = request_for("app/pool", 2, 2);
  ASSERT_TRUE(a->request(req));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mutex);
      if (mine.size() == 2) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(100ms);  // room for a misrouted answer to show up
  std::lock_guard lock(mutex);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].request_id(), 1u);
  EXPECT_EQ(mine[1].children(0).id(), "app/pool/2");
  EXPECT_TRUE(theirs.empty());
}

TEST(Requests, ServerWithoutHandlerAnswersWithAnError) {
  auto server = start_server();
  std::string error;
  auto page = fetch_children(server->bound_endpoint(), "n@h", request_for("app/sup", 3, 0), 3000ms, error);
  ASSERT_TRUE(page) << error;
  EXPECT_EQ(page->request_id(), 3u);
  EXPECT_EQ(page->children_size(), 0);
  EXPECT_NE(page->error().find("does not serve"), std::string::npos) << page->error();
}

TEST(Requests, NothingListeningIsAnErrorAfterTheDeadline) {
  std::string error;
  const auto start = std::chrono::steady_clock::now();
  auto page = fetch_children("tcp://127.0.0.1:1", "n@h", request_for("app/sup", 1, 0), 300ms, error);
  EXPECT_FALSE(page);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_NE(error.find("no answer from tcp://127.0.0.1:1"), std::string::npos) << error;
  page = fetch_children("tcp://nowhere", "n@h", request_for("app/sup", 1, 0), 300ms, error);
  EXPECT_FALSE(page);
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace beamscope::transport
