// Writes the fuzz corpus: real frames made by the protocol's own encoders
// (protocol::encode, make_delta) from the tests' fixtures, one file per
// seed under <out>/<target>/. Run by hand after a protocol change:
//   build-fuzz/tests/fuzz/fuzz_seed_corpus tests/fuzz/corpus
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/node_model.hpp"
#include "fuzz_chunks.hpp"
#include "sample_keyframe.hpp"
#include "test_frames.hpp"

using namespace beamscope;
namespace fs = std::filesystem;

namespace {

const std::string kNode = "demo@host";

v1::TreeNode entry(const std::string& id, const std::string& parent, v1::TreeNode::Kind kind, const std::string& pid) {
  v1::TreeNode n;
  n.set_id(id);
  n.set_parent_id(parent);
  n.set_kind(kind);
  n.set_application("demo");
  n.set_name(id.substr(id.rfind('/') + 1));
  n.set_pid(pid);
  n.set_restart_type("permanent");
  n.set_shutdown(kind == v1::TreeNode::WORKER ? "5000" : "infinity");
  if (kind == v1::TreeNode::SUPERVISOR) {
    n.set_strategy("one_for_one");
    n.set_intensity(5);
    n.set_period_s(10);
  } else {
    n.add_modules("Elixir.Demo.Worker");
  }
  return n;
}

// A node with an application, its top supervisor, a few workers and a pool
// of 5,000 children of which the stream carries the 16 largest mailboxes.
v1::Keyframe node_keyframe(std::size_t hot, std::uint64_t tick) {
  v1::Keyframe kf = testing::sample_keyframe(kNode, hot);
  *kf.add_processes() = testing::awkward_process();
  kf.mutable_gauges()->set_process_count(5000 + tick);
  *kf.add_tree() = entry("demo", "", v1::TreeNode::APPLICATION, "<0.80.0>");
  auto top = entry("demo/demo_sup", "demo", v1::TreeNode::SUPERVISOR, "<0.81.0>");
  top.set_restarts_total(tick);
  auto* r = top.add_recent_restarts();
  r->set_time_us(1'700'000'000'000'000);
  r->set_reason("{badarg,[{demo_worker,handle_call,3}]}");
  r->set_old_pid("<0.90.0>");
  r->set_new_pid("<0.91.0>");
  *kf.add_tree() = top;
  *kf.add_tree() = entry("demo/demo_sup/cache", "demo/demo_sup", v1::TreeNode::WORKER, "<0.82.0>");
  *kf.add_tree() = entry("demo/demo_sup/db", "demo/demo_sup", v1::TreeNode::WORKER, "");
  auto pool = entry("demo/demo_sup/pool", "demo/demo_sup", v1::TreeNode::SUPERVISOR, "<0.83.0>");
  pool.set_strategy("simple_one_for_one");
  pool.set_children_total(5000);
  pool.set_active_children(5000);
  *kf.add_tree() = pool;
  for (int i = 0; i < 16; ++i) {
    const std::string pid = "<0." + std::to_string(100 + i) + ".0>";
    auto w = entry("demo/demo_sup/pool/" + pid, "demo/demo_sup/pool", v1::TreeNode::WORKER, pid);
    w.set_message_queue_len(1000 - 10 * i + tick);
    w.set_memory_bytes(4096 + i);
    *kf.add_tree() = w;
  }
  for (std::uint64_t id = 1; id <= 3 + tick; ++id) {
    auto* e = kf.add_events();
    e->set_id(id);
    e->set_time_us(1'700'000'000'000'000 + static_cast<std::int64_t>(id));
    e->set_kind(id % 2 ? v1::Event::CHILD_TERMINATED : v1::Event::START_ERROR);
    e->set_supervisor("demo/demo_sup");
    e->set_child("demo/demo_sup/cache");
    e->set_pid("<0.82.0>");
    e->set_reason("killed");
  }
  kf.mutable_tree_stats()->set_walks_total(tick + 1);
  return kf;
}

std::string keyframe_frame(const v1::Keyframe& kf, std::uint64_t seq, const std::string& node = kNode) {
  protocol::Envelope env;
  *env.mutable_keyframe() = kf;
  env.mutable_keyframe()->mutable_info()->set_node(node);
  return protocol::encode(env, node, seq);
}

std::string delta_frame(const v1::Keyframe& prev, const v1::Keyframe& next, std::uint64_t seq,
                        const std::string& node = kNode) {
  protocol::Envelope env;
  *env.mutable_delta() = protocol::make_delta(prev, next);
  return protocol::encode(env, node, seq);
}

v1::ChildrenRequest request(std::uint64_t id, std::uint32_t offset, v1::ChildrenRequest::Order order) {
  v1::ChildrenRequest r;
  r.set_request_id(id);
  r.set_supervisor_id("demo/demo_sup/pool");
  r.set_offset(offset);
  r.set_limit(100);
  r.set_order(order);
  return r;
}

std::string request_frame(std::uint64_t id, std::uint32_t offset, const std::string& node = kNode) {
  protocol::Envelope env;
  *env.mutable_children_request() = request(id, offset, v1::ChildrenRequest::BY_MAILBOX);
  return protocol::encode(env, node, 0);
}

std::string page_frame(std::uint64_t id, std::uint32_t offset, std::size_t count, v1::ChildrenRequest::Order order,
                       const std::string& error = "") {
  protocol::Envelope env;
  auto* page = env.mutable_children_page();
  page->set_request_id(id);
  page->set_supervisor_id("demo/demo_sup/pool");
  page->set_offset(offset);
  page->set_total(5000);
  page->set_order(order);
  page->set_error(error);
  for (std::size_t i = 0; error.empty() && i < count; ++i) {
    const std::string pid = "<0." + std::to_string(2000 + offset + i) + ".0>";
    auto w = entry("demo/demo_sup/pool/" + pid, "demo/demo_sup/pool", v1::TreeNode::WORKER, pid);
    w.set_message_queue_len(500 - i);
    w.set_reductions(10 * i);
    *page->add_children() = w;
  }
  return protocol::encode(env, kNode, 0);
}

std::string small_frame(void (*fill)(protocol::Envelope&)) {
  protocol::Envelope env;
  fill(env);
  return protocol::encode(env, kNode, 0);
}

class Writer {
 public:
  explicit Writer(fs::path root) : root_(std::move(root)) {}

  void seed(const std::string& target, const std::string& name, const std::string& bytes) {
    if (bytes.size() >= 64 * 1024) {
      std::fprintf(stderr, "seed %s/%s is %zu bytes, over 64 KiB\n", target.c_str(), name.c_str(), bytes.size());
      ok_ = false;
      return;
    }
    fs::create_directories(root_ / target);
    std::ofstream(root_ / target / name, std::ios::binary) << bytes;
    ++count_;
  }
  bool ok() const { return ok_; }
  int count() const { return count_; }

 private:
  fs::path root_;
  bool ok_ = true;
  int count_ = 0;
};

// A sequence of (tag, frame) chunks.
struct Seq {
  std::string bytes;
  Seq& add(std::uint8_t tag, const std::string& frame) {
    fuzz::append_chunk(bytes, tag, frame);
    return *this;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  Writer w(argv[1]);
  const auto kf0 = node_keyframe(4, 0), kf1 = node_keyframe(5, 1), kf2 = node_keyframe(3, 2);
  const std::string key0 = keyframe_frame(kf0, 1), d1 = delta_frame(kf0, kf1, 2), d2 = delta_frame(kf1, kf2, 3);

  // decode: one frame each, of every body kind, and a few refused ones.
  w.seed("decode", "keyframe", key0);
  w.seed("decode", "keyframe_minimal", protocol::encode(testing::keyframe_envelope(kNode, 1, 10)));
  w.seed("decode", "delta", d1);
  w.seed("decode", "delta_removals", d2);
  w.seed("decode", "hello_stream", small_frame([](protocol::Envelope& e) {
           e.mutable_hello()->set_client("beamscope-ctl 0.1");
           e.mutable_hello()->set_want_stream(true);
         }));
  w.seed("decode", "hello_once", small_frame([](protocol::Envelope& e) { e.mutable_hello()->set_client("ctl"); }));
  w.seed("decode", "heartbeat", small_frame([](protocol::Envelope& e) { e.mutable_heartbeat(); }));
  w.seed("decode", "node_gone", small_frame([](protocol::Envelope& e) {
           e.mutable_node_gone()->set_reason("agent silent for 10 s");
         }));
  w.seed("decode", "snapshot_done", small_frame([](protocol::Envelope& e) {
           e.mutable_snapshot_done()->set_nodes(3);
         }));
  w.seed("decode", "children_request", request_frame(7, 200));
  w.seed("decode", "children_page", page_frame(7, 200, 5, v1::ChildrenRequest::BY_MEMORY));
  w.seed("decode", "children_page_error", page_frame(7, 0, 0, v1::ChildrenRequest::BY_MAILBOX, "no such supervisor"));
  w.seed("decode", "truncated_keyframe", key0.substr(0, key0.size() / 2));
  {
    protocol::Envelope wrong = testing::keyframe_envelope(kNode, 1, 10);
    wrong.set_version_major(2);
    w.seed("decode", "wrong_version", protocol::encode(wrong));
    protocol::Envelope nameless = testing::keyframe_envelope("", 1, 10);
    w.seed("decode", "no_node", protocol::encode(nameless));
    protocol::Envelope big = testing::keyframe_envelope(kNode, 1, 10);
    auto* n = big.mutable_keyframe()->add_tree();
    for (int i = 0; i < 17; ++i) n->add_modules("m");
    w.seed("decode", "too_many_modules", protocol::encode(big));
  }

  // node_model: sequences of frames (tag: check to run; see fuzz_node_model.cpp).
  w.seed("node_model", "stream", Seq().add(0x09, key0).add(0x11, d1).add(0x23, d2).bytes);
  w.seed("node_model", "renders", Seq().add(0x1B, key0).add(0x2B, d1).add(0x0B, d2).bytes);
  w.seed("node_model", "gap", Seq().add(0x01, key0).add(0x01, d2).add(0x01, d1).bytes);
  w.seed("node_model", "stale", Seq().add(0x01, key0).add(0x01, d1).add(0x01, d1).bytes);
  w.seed("node_model", "delta_first", Seq().add(0x01, d1).add(0x01, key0).bytes);
  w.seed("node_model", "round_trip",
         Seq().add(0x00, key0).add(0x02, keyframe_frame(kf2, 2)).add(0x02, keyframe_frame(kf0, 3)).bytes);
  w.seed("node_model", "two_nodes",
         Seq().add(0x01, key0).add(0x01, keyframe_frame(kf1, 1, "b@host")).add(0x09, d1)
             .add(0x0B, delta_frame(kf1, kf2, 2, "b@host")).bytes);
  w.seed("node_model", "gone", Seq().add(0x80, key0).add(0x01, d1).add(0x03, key0).bytes);
  {
    auto cycle = kf0;
    cycle.mutable_tree(0)->set_parent_id("demo/demo_sup/cache");  // the application under its own worker
    w.seed("node_model", "parent_cycle", Seq().add(0x0B, keyframe_frame(cycle, 1)).add(0x02, key0).bytes);
  }

  // children_page: keyframes, then pages (tag: see fuzz_children_page.cpp).
  const std::string pool_open = Seq().add(0x02, key0).bytes;
  w.seed("children_page", "answered",
         Seq().add(0x02, key0).add(0x01, page_frame(0, 0, 100, v1::ChildrenRequest::BY_MAILBOX)).bytes);
  w.seed("children_page", "answered_then_moved",
         Seq().add(0x02, key0).add(0x05, page_frame(0, 0, 100, v1::ChildrenRequest::BY_MAILBOX))
             .add(0x31, page_frame(0, 4900, 100, v1::ChildrenRequest::BY_REDUCTIONS))
             .add(0x17, page_frame(0, 4900, 100, v1::ChildrenRequest::BY_REDUCTIONS)).bytes);
  w.seed("children_page", "error_then_retry",
         Seq().add(0x02, key0).add(0x01, page_frame(0, 0, 0, v1::ChildrenRequest::BY_MAILBOX, "agent busy"))
             .add(0xF0, d1).add(0xA1, page_frame(0, 0, 20, v1::ChildrenRequest::BY_MAILBOX)).bytes);
  w.seed("children_page", "stale", Seq().add(0x02, key0).add(0x00, page_frame(99, 0, 10, v1::ChildrenRequest::BY_MEMORY)).bytes);
  w.seed("children_page", "no_tree", Seq().add(0x01, page_frame(1, 0, 10, v1::ChildrenRequest::BY_MAILBOX)).bytes);
  w.seed("children_page", "lost_answer",
         Seq().add(0x02, key0).add(0x60, d1).add(0x62, d2).add(0x07, page_frame(0, 100, 50, v1::ChildrenRequest::BY_MEMORY)).bytes);
  w.seed("children_page", "keyframes_only", pool_open);

  // relay: frames from viewers (even tags) and agents (odd), time in bits 2-7.
  const std::string ask = request_frame(7, 0), page1 = page_frame(1, 0, 100, v1::ChildrenRequest::BY_MAILBOX);
  w.seed("relay", "answered", Seq().add(0x01, key0).add(0x00, ask).add(0x05, page1).bytes);
  w.seed("relay", "two_viewers_same_id",
         Seq().add(0x01, key0).add(0x00, ask).add(0x02, ask).add(0x05, page_frame(2, 0, 3, v1::ChildrenRequest::BY_MAILBOX))
             .add(0x05, page1).bytes);
  w.seed("relay", "timeout", Seq().add(0x01, key0).add(0x00, ask).add(0x54, ask).add(0x05, page1).bytes);
  w.seed("relay", "unknown_node", Seq().add(0x00, request_frame(3, 0, "nobody@host")).bytes);
  {
    Seq flood;
    flood.add(0x01, key0);
    for (std::uint64_t i = 0; i < 10; ++i) flood.add(0x00, request_frame(100 + i, 100 * static_cast<std::uint32_t>(i)));
    flood.add(0x05, page_frame(3, 0, 5, v1::ChildrenRequest::BY_MAILBOX));
    w.seed("relay", "busy", flood.bytes);
  }
  w.seed("relay", "conflict_and_gone",
         Seq().add(0x01, key0).add(0x03, key0).add(0x00, ask)
             .add(0x03, small_frame([](protocol::Envelope& e) { e.mutable_node_gone()->set_reason("x"); }))
             .add(0x01, small_frame([](protocol::Envelope& e) { e.mutable_node_gone()->set_reason("left"); }))
             .add(0x00, ask).add(0x05, page1).bytes);
  w.seed("relay", "stream", Seq().add(0x01, key0).add(0x05, d1).add(0x05, d2).add(0x02, ask).bytes);

  std::printf("wrote %d seeds under %s\n", w.count(), argv[1]);
  return w.ok() ? 0 : 1;
}
