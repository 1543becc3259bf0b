// Test fixture for the GUI's children paging: a real StreamServer that
// publishes a small node whose dynamic supervisor `conn_sup` has N children
// (the stream carries the 100 with the longest mailboxes, children_total N,
// as the agent does) and answers ChildrenRequests with exact pages in each
// order. Children are made up from their index, so a test can compute any
// page: child i is "conn_<i>", pid <0.(1000+i).0>, mailbox (i*7919)%1000,
// memory 2000+(i*104729)%50000 bytes, reductions (i*31)%100000; ties keep
// index order.
//   beamscope_gui_paging_feed [--bind tcp://127.0.0.1:*] [--children N] [--refuse TEXT]
// --refuse answers every request with an error page saying TEXT (as an
// agent that cannot serve pages does).
// Prints "serving on ENDPOINT" on stdout, one line per page served on stderr.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/stream_server.hpp"

namespace {

using beamscope::v1::ChildrenRequest;
using beamscope::v1::TreeNode;

volatile std::sig_atomic_t g_stop = 0;
constexpr const char* kSup = "shop/shop_sup/conn_sup";

std::uint64_t mailbox(std::uint32_t i) { return (static_cast<std::uint64_t>(i) * 7919) % 1000; }
std::uint64_t memory(std::uint32_t i) { return 2000 + (static_cast<std::uint64_t>(i) * 104729) % 50000; }
std::uint64_t reductions(std::uint32_t i) { return (static_cast<std::uint64_t>(i) * 31) % 100000; }

void fill_child(TreeNode* c, std::uint32_t i) {
  c->set_id(std::string(kSup) + "/conn_" + std::to_string(i));
  c->set_parent_id(kSup);
  c->set_kind(TreeNode::WORKER);
  c->set_application("shop");
  c->set_name("conn_" + std::to_string(i));
  c->set_pid("<0." + std::to_string(1000 + i) + ".0>");
  c->set_restart_type("temporary");
  c->set_shutdown("5000");
  c->add_modules("shop_conn");
  c->set_message_queue_len(mailbox(i));
  c->set_memory_bytes(memory(i));
  c->set_reductions(reductions(i));
}

// Children indices in each order, largest first (supervisor order: as started).
struct Orders {
  std::vector<std::uint32_t> by_mailbox, by_memory, by_reductions, supervisor;
  explicit Orders(std::uint32_t n) : supervisor(n) {
    std::iota(supervisor.begin(), supervisor.end(), 0u);
    auto sorted = [&](auto key) {
      std::vector<std::uint32_t> v = supervisor;
      std::stable_sort(v.begin(), v.end(), [&](std::uint32_t a, std::uint32_t b) { return key(a) > key(b); });
      return v;
    };
    by_mailbox = sorted(mailbox);
    by_memory = sorted(memory);
    by_reductions = sorted(reductions);
  }
  const std::vector<std::uint32_t>& get(ChildrenRequest::Order o) const {
    switch (o) {
      case ChildrenRequest::BY_MAILBOX: return by_mailbox;
      case ChildrenRequest::BY_MEMORY: return by_memory;
      case ChildrenRequest::BY_REDUCTIONS: return by_reductions;
      default: return supervisor;
    }
  }
};

TreeNode* add(beamscope::v1::Keyframe& kf, const std::string& id, const std::string& parent, TreeNode::Kind kind,
              const std::string& pid) {
  auto* n = kf.add_tree();
  n->set_id(id);
  n->set_parent_id(parent);
  n->set_kind(kind);
  n->set_application("shop");
  n->set_name(id.substr(id.find_last_of('/') + 1));
  n->set_pid(pid);
  return n;
}

beamscope::v1::Keyframe make_keyframe(const std::string& node, const Orders& orders, std::uint64_t t) {
  beamscope::v1::Keyframe kf;
  kf.mutable_info()->set_node(node);
  kf.mutable_info()->set_otp_release("25");
  kf.mutable_info()->set_schedulers_online(2);
  auto* g = kf.mutable_gauges();
  g->set_uptime_ms(t * 1000);
  g->set_process_count(static_cast<std::uint64_t>(orders.supervisor.size()) + 60);
  g->set_process_limit(1048576);
  add(kf, "shop", "", TreeNode::APPLICATION, "");
  auto* top = add(kf, "shop/shop_sup", "shop", TreeNode::SUPERVISOR, "<0.90.0>");
  top->set_strategy("one_for_one");
  top->set_intensity(5);
  top->set_period_s(10);
  add(kf, "shop/shop_sup/cache", "shop/shop_sup", TreeNode::WORKER, "<0.91.0>")->set_registered_name("shop_cache");
  auto* sup = add(kf, kSup, "shop/shop_sup", TreeNode::SUPERVISOR, "<0.92.0>");
  sup->set_registered_name("conn_sup");
  sup->set_strategy("simple_one_for_one");
  sup->set_intensity(1000);
  sup->set_period_s(1);
  sup->set_children_total(static_cast<std::uint32_t>(orders.supervisor.size()));
  const auto& top100 = orders.by_mailbox;
  for (std::size_t k = 0; k < std::min<std::size_t>(100, top100.size()); ++k) fill_child(kf.add_tree(), top100[k]);
  return kf;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"beamscope_gui_paging_feed: a node with one huge dynamic supervisor that serves children pages"};
  beamscope::transport::StreamServerOptions opts;
  opts.endpoint = "tcp://127.0.0.1:*";
  std::string node = "pagingfeed@localhost";
  std::uint32_t children = 100000;
  std::string refuse;
  app.add_option("--bind", opts.endpoint, "Endpoint to serve viewers on");
  app.add_option("--node", node, "Node name to report");
  app.add_option("--children", children, "Children of conn_sup")->check(CLI::Range(1u, 10000000u));
  app.add_option("--refuse", refuse, "Answer every children request with this error");
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  const Orders orders(children);
  std::atomic<beamscope::transport::StreamServer*> server_ptr{nullptr};
  // Answered on the server's I/O thread: the orders are precomputed, a page is 100 copies.
  opts.on_request = [&](const std::string& viewer, const beamscope::protocol::Envelope& env) {
    const auto& req = env.children_request();
    beamscope::protocol::Envelope answer;
    answer.set_node(env.node());
    auto* page = answer.mutable_children_page();
    page->set_request_id(req.request_id());
    page->set_supervisor_id(req.supervisor_id());
    page->set_offset(req.offset());
    page->set_order(req.order());
    if (!refuse.empty()) {
      page->set_error(refuse);
    } else if (req.supervisor_id() != kSup || env.node() != node) {
      page->set_error("no such supervisor: " + req.supervisor_id());
    } else {
      const auto& order = orders.get(req.order());
      page->set_total(static_cast<std::uint32_t>(order.size()));
      const std::size_t end = std::min<std::size_t>(order.size(), std::size_t{req.offset()} + std::min(req.limit(), 1000u));
      for (std::size_t k = req.offset(); k < end; ++k) fill_child(page->add_children(), order[k]);
    }
    std::fprintf(stderr, "pagingfeed: page %s offset %u order %s request %llu: %d children%s\n",
                 req.supervisor_id().c_str(), req.offset(), ChildrenRequest::Order_Name(req.order()).c_str(),
                 static_cast<unsigned long long>(req.request_id()), page->children_size(),
                 page->error().empty() ? "" : (" error: " + page->error()).c_str());
    if (auto* s = server_ptr.load()) s->reply(viewer, std::move(answer));
  };
  std::string error;
  auto server = beamscope::transport::StreamServer::start(opts, error);
  if (!server) {
    std::fprintf(stderr, "pagingfeed: %s\n", error.c_str());
    return 1;
  }
  server_ptr.store(server.get());
  std::printf("serving on %s\n", server->bound_endpoint().c_str());
  std::fflush(stdout);
  for (std::uint64_t t = 1; !g_stop; ++t) {
    beamscope::protocol::Envelope env;
    *env.mutable_keyframe() = make_keyframe(node, orders, t);
    env.set_node(node);
    env.set_seq(t);
    env.set_timestamp_us(beamscope::protocol::now_us());
    env.set_version_major(1);
    server->publish(std::move(env));
    for (int i = 0; i < 10 && !g_stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return 0;
}
