// A synthetic agent for tests of the collector's caps: the real
// StreamServer on a free loopback port, publishing nodes whose hot set,
// tree and events grow by deltas, round after round, well past any cap the
// test gives the collector. Driven over stdin/stdout by the test:
//
//   out: endpoint tcp://127.0.0.1:PORT
//   (waits for one viewer, publishes a keyframe of every node)
//   out: ready {"frames": [...]}
//   in:  round          -> publishes one round of deltas, then
//   out: sent {"frames": [..per node..], "processes": N, "tree": N, "events": N}
//   in:  quit (or EOF)
//
// Counts are cumulative per node, ground truth of what was sent. Between
// rounds it keeps the first --live-nodes nodes alive with gauge-only deltas
// (no entries), so the collector never thinks them silent.
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/version.hpp"
#include "beamscope/transport/stream_server.hpp"

using namespace beamscope;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  int nodes = 5, live_nodes = 3, deltas = 10, processes = 100, tree = 150, events = 20;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (k == "--nodes") a.nodes = v;
    else if (k == "--live-nodes") a.live_nodes = v;
    else if (k == "--deltas-per-round") a.deltas = v;
    else if (k == "--processes-per-delta") a.processes = v;
    else if (k == "--tree-per-delta") a.tree = v;
    else if (k == "--events-per-delta") a.events = v;
    else {
      std::cerr << "synthetic_agent: unknown option " << k << "\n";
      std::exit(2);
    }
  }
  return a;
}

// Long strings (within the per-string bound) so an uncapped collector's
// memory growth would be plain to see.
std::string padded(const std::string& head) { return head + std::string(400, 'x'); }

struct Node {
  std::string name;
  std::uint64_t seq = 0, frames = 0, processes = 0, tree = 0, events = 0;
};

class Agent {
 public:
  Agent(const Args& args, transport::StreamServer& server) : args_(args), server_(server) {
    for (int i = 0; i < args.nodes; ++i) nodes_.push_back({.name = "synthetic" + std::to_string(i) + "@cap"});
  }

  void keyframes() {
    for (auto& n : nodes_) {
      protocol::Envelope env;
      auto* kf = env.mutable_keyframe();
      kf->mutable_info()->set_node(n.name);
      kf->mutable_info()->set_word_size(8);
      kf->mutable_gauges()->set_process_count(1);
      auto* p = kf->add_processes();
      p->set_pid("<0.0.0>");
      p->set_registered_name("root");
      auto* t = kf->add_tree();
      t->set_id("synthetic_app");
      t->set_name("synthetic_app");
      t->set_kind(v1::TreeNode::APPLICATION);
      n.processes = 1;
      n.tree = 1;
      publish(n, env);
    }
    flush();
  }

  void round() {
    for (int k = 0; k < args_.deltas; ++k) {
      for (auto& n : nodes_) {
        protocol::Envelope env;
        auto* d = env.mutable_delta();
        d->mutable_gauges()->set_process_count(n.processes);
        // An update of a held process: never cut.
        auto* root = d->add_upserted();
        root->set_pid("<0.0.0>");
        root->set_message_queue_len(n.frames);
        for (int i = 0; i < args_.processes; ++i) {
          auto* p = d->add_upserted();
          p->set_pid("<0." + std::to_string(n.processes++) + ".1>");
          p->set_message_queue_len(1);
          p->set_current_function(padded("synthetic:work/"));
        }
        for (int i = 0; i < args_.tree; ++i) {
          auto* t = d->add_tree_upserted();
          t->set_id("synthetic_app/sup/child" + std::to_string(n.tree++));
          t->set_parent_id("synthetic_app");
          t->set_kind(v1::TreeNode::WORKER);
          t->set_name(padded("child"));
        }
        for (int i = 0; i < args_.events; ++i) {
          auto* e = d->add_events();
          e->set_id(++n.events);
          e->set_reason(padded("synthetic_crash"));
        }
        publish(n, env);
      }
      flush();
    }
  }

  void keepalive() {
    for (int i = 0; i < args_.live_nodes && i < static_cast<int>(nodes_.size()); ++i) {
      protocol::Envelope env;
      env.mutable_delta()->mutable_gauges()->set_process_count(nodes_[i].processes);
      publish(nodes_[i], env);
    }
  }

  std::string counts() const {
    std::string frames = "[", procs = "[", tree = "[", events = "[";
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const char* sep = i ? ", " : "";
      frames += sep + std::to_string(nodes_[i].frames);
      procs += sep + std::to_string(nodes_[i].processes);
      tree += sep + std::to_string(nodes_[i].tree);
      events += sep + std::to_string(nodes_[i].events);
    }
    return "{\"nodes\": [" + names() + "], \"frames\": " + frames + "], \"processes\": " + procs +
           "], \"tree\": " + tree + "], \"events\": " + events + "]}";
  }

 private:
  std::string names() const {
    std::string out;
    for (std::size_t i = 0; i < nodes_.size(); ++i) out += (i ? ", \"" : "\"") + nodes_[i].name + "\"";
    return out;
  }

  void publish(Node& n, protocol::Envelope& env) {
    env.set_version_major(protocol::kVersionMajor);
    env.set_version_minor(protocol::kVersionMinor);
    env.set_node(n.name);
    env.set_seq(++n.seq);
    env.set_timestamp_us(protocol::now_us());
    // The server's queue is bounded: wait for room rather than lose a frame
    // (a lost frame would make the collector resync and the counts inexact).
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (!server_.publish(env)) {
      if (Clock::now() > deadline) {
        std::cerr << "synthetic_agent: the server queue stayed full\n";
        std::exit(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ++n.frames;
    ++published_;
  }

  // Waits until the one viewer was handed every frame: a viewer queue
  // (send high-water mark) never overflows.
  void flush() {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (server_.stats().frames_sent < published_) {
      if (Clock::now() > deadline) {
        std::cerr << "synthetic_agent: frames not sent in 20 s\n";
        std::exit(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  Args args_;
  transport::StreamServer& server_;
  std::vector<Node> nodes_;
  std::uint64_t published_ = 0;
};

// A line from stdin within `ms`; "" on timeout, "quit" at EOF.
std::string read_line(int ms) {
  pollfd p{.fd = 0, .events = POLLIN, .revents = 0};
  if (::poll(&p, 1, ms) <= 0) return "";
  std::string line;
  if (!std::getline(std::cin, line)) return "quit";
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  std::string error;
  transport::StreamServerOptions opts;
  opts.endpoint = "tcp://127.0.0.1:*";
  opts.keyframe_interval_ms = 3600 * 1000;  // only the keyframes we count
  opts.queue_limit = 4096;
  // The server's own model holds what it published (for late joiners).
  opts.model_limits.max_nodes = 64;
  auto server = transport::StreamServer::start(opts, error);
  if (!server) {
    std::cerr << "synthetic_agent: " << error << "\n";
    return 1;
  }
  std::cout << "endpoint " << server->bound_endpoint() << std::endl;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (server->stats().viewers == 0) {
    if (Clock::now() > deadline) {
      std::cerr << "synthetic_agent: no viewer within 30 s\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Agent agent(args, *server);
  agent.keyframes();
  std::cout << "ready " << agent.counts() << std::endl;
  for (;;) {
    const std::string line = read_line(300);
    if (line == "quit") break;
    if (line == "round") {
      agent.round();
      std::cout << "sent " << agent.counts() << std::endl;
    }
    agent.keepalive();
  }
  server->stop();
  return 0;
}
