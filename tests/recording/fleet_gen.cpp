#include "fleet_gen.hpp"

#include "beamscope/protocol/node_model.hpp"
#include "beamscope/protocol/version.hpp"

namespace beamscope::testing {
namespace {

v1::ProcessSample make_process(std::uint64_t pid, std::mt19937_64& rng) {
  v1::ProcessSample p;
  p.set_pid("<0." + std::to_string(pid) + ".0>");
  if (pid % 3 == 0) p.set_registered_name("worker_" + std::to_string(pid));
  p.set_initial_call("demo_worker:init/" + std::to_string(pid % 4));
  p.set_current_function("gen_server:loop/7");
  p.set_status("waiting");
  p.set_application(pid % 2 ? "demo" : "kernel");
  p.set_memory_bytes(2000 + rng() % 100000);
  p.set_heap_size_words(233 + rng() % 5000);
  p.set_total_heap_size_words(p.heap_size_words() * 2);
  p.set_stack_size_words(12 + rng() % 40);
  p.set_fullsweep_after(65535);
  return p;
}

}  // namespace

FleetGen::FleetGen(const FleetGenOptions& opts) : opts_(opts) {
  for (int i = 0; i < opts.nodes; ++i) {
    Node n;
    n.name = "gen" + std::to_string(i) + "@host" + std::to_string(i % 4);
    auto* info = n.state.mutable_info();
    info->set_node(n.name);
    info->set_otp_release("25");
    info->set_erts_version("13.1.5");
    info->set_agent_version("0.1.0");
    if (opts.started_at_us != 0) info->set_started_at_us(opts.started_at_us);
    info->set_system_version("Erlang/OTP 25 [erts-13.1.5] [source] [64-bit] [smp:2:2] [ds:2:2:10] [async-threads:1]");
    info->set_schedulers_online(2);
    info->set_word_size(8);
    auto* g = n.state.mutable_gauges();
    g->set_process_limit(1048576);
    g->set_port_limit(65536);
    g->set_atom_limit(1048576);
    g->set_ets_limit(8192);
    for (int k = 0; k < opts.hot; ++k) *n.state.add_processes() = make_process(++n.next_pid, rng_);
    for (int k = 0; k < opts.tree; ++k) {
      auto* t = n.state.add_tree();
      const bool sup = k % 8 == 0;
      t->set_id("demo/demo_sup/" + std::string(sup ? "pool_sup_" : "worker_") + std::to_string(k));
      t->set_parent_id("demo/demo_sup");
      t->set_application("demo");
      t->set_name(sup ? "pool_sup_" + std::to_string(k) : "worker_" + std::to_string(k));
      t->set_kind(sup ? v1::TreeNode::SUPERVISOR : v1::TreeNode::WORKER);
      t->set_pid("<0." + std::to_string(1000 + k) + ".0>");
      t->set_restart_type("permanent");
      t->set_shutdown("5000");
      t->add_modules("demo_worker");
    }
    nodes_.push_back(std::move(n));
  }
}

void FleetGen::evolve(Node& n) {
  auto* g = n.state.mutable_gauges();
  g->set_process_count(static_cast<std::uint64_t>(opts_.node_processes) + rng_() % 200);
  g->set_port_count(20 + rng_() % 3);
  g->set_atom_count(23000 + ticks_ / 60);
  g->set_ets_count(40);
  g->set_run_queue_total(rng_() % 4);
  g->set_reductions_total(g->reductions_total() + 1'000'000 + rng_() % 500'000);
  g->set_gc_count_total(g->gc_count_total() + 2000 + rng_() % 500);
  g->set_gc_words_reclaimed_total(g->gc_words_reclaimed_total() + 400'000 + rng_() % 100'000);
  g->set_io_input_bytes_total(g->io_input_bytes_total() + rng_() % 10'000);
  g->set_io_output_bytes_total(g->io_output_bytes_total() + rng_() % 10'000);
  g->set_uptime_ms(static_cast<std::uint64_t>(ticks_) * 1000);
  g->clear_scheduler_util();
  for (unsigned s = 1; s <= 2; ++s) {
    auto* u = g->add_scheduler_util();
    u->set_id(s);
    u->set_utilization(static_cast<double>(rng_() % 1000) / 1000.0);
  }
  auto* m = g->mutable_memory();
  m->set_processes(40'000'000 + rng_() % 1'000'000);
  m->set_system(20'000'000 + rng_() % 100'000);
  m->set_total(m->processes() + m->system());
  // About a third of the hot set moves each tick (move_one_in); one process in fifty is replaced.
  for (auto& p : *n.state.mutable_processes()) {
    if (rng_() % static_cast<unsigned>(opts_.replace_one_in) == 0) {
      p = make_process(++n.next_pid, rng_);
      continue;
    }
    if (rng_() % static_cast<unsigned>(opts_.move_one_in)) continue;
    p.set_message_queue_len(rng_() % 8 == 0 ? rng_() % 500 : 0);
    p.set_reductions(p.reductions() + rng_() % 20'000);
    p.set_reductions_per_s(rng_() % 20'000);
    p.set_memory_bytes(2000 + rng_() % 100'000);
    p.set_minor_gcs(p.minor_gcs() + rng_() % 5);
  }
  if (rng_() % 20 == 0) {
    auto* e = n.state.add_events();
    e->set_id(n.next_event++);
    e->set_time_us(now_us_);
    e->set_kind(v1::Event::CHILD_TERMINATED);
    e->set_supervisor("demo/demo_sup");
    e->set_child("demo/demo_sup/worker_" + std::to_string(rng_() % 100));
    e->set_reason("{badarith,[{demo_worker,handle_call,3,[{file,\"demo_worker.erl\"},{line,42}]}]}");
    if (n.state.events_size() > 50) n.state.mutable_events()->DeleteSubrange(0, 1);
  }
}

std::vector<v1::Envelope> FleetGen::tick() {
  ++ticks_;
  now_us_ = opts_.start_us + ticks_ * opts_.tick_us;
  std::vector<v1::Envelope> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    const v1::Keyframe prev = n.state;
    evolve(n);
    v1::Envelope env;
    env.set_version_major(protocol::kVersionMajor);
    env.set_version_minor(protocol::kVersionMinor);
    env.set_node(n.name);
    env.set_seq(++n.seq);
    env.set_timestamp_us(now_us_ + static_cast<std::int64_t>(i) * 1000);
    n.state.set_sampled_at_us(env.timestamp_us());
    if (n.seq == 1 || (ticks_ % opts_.keyframe_every) == 0)
      *env.mutable_keyframe() = n.state;
    else
      *env.mutable_delta() = protocol::make_delta(prev, n.state);
    out.push_back(std::move(env));
  }
  return out;
}

}  // namespace beamscope::testing
