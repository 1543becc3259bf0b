// Dev-only: publishes synthetic keyframes of a made-up node once a second,
// so the views can be worked on without an agent. Not installed, not used
// by tests (they run the real agent in a real erl node).
//   beamscope-gui-devfeed --bind tcp://127.0.0.1:9755
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <csignal>
#include <string>
#include <cstdio>
#include <thread>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/stream_server.hpp"

namespace {

volatile std::sig_atomic_t g_stop = 0;

beamscope::v1::Keyframe make_tick(const std::string& node, std::uint64_t t) {
  using namespace beamscope::v1;
  Keyframe kf;
  auto* info = kf.mutable_info();
  info->set_node(node);
  info->set_otp_release("25");
  info->set_schedulers_online(4);
  info->set_word_size(8);
  auto* g = kf.mutable_gauges();
  const double wave = std::sin(static_cast<double>(t) / 10.0);
  g->set_uptime_ms(t * 1000);
  g->set_process_count(5000 + static_cast<std::uint64_t>(800 * (1 + wave)));
  g->set_process_limit(262144);
  g->set_port_count(40);
  g->set_port_limit(65536);
  g->set_atom_count(21000);
  g->set_atom_limit(1048576);
  g->set_ets_count(90);
  g->set_ets_limit(8192);
  g->set_run_queue_total(t % 5);
  for (int i = 0; i < 4; ++i) g->add_run_queue_lengths(static_cast<std::uint32_t>((t + i) % 3));
  g->set_reductions_total(t * 2'000'000 + t * t * 1000);
  g->set_gc_count_total(t * 3000);
  g->set_io_input_bytes_total(t * 100'000);
  g->set_io_output_bytes_total(t * 40'000);
  auto* m = g->mutable_memory();
  m->set_processes(60'000'000 + static_cast<std::uint64_t>(5e6 * (1 + wave)));
  m->set_binary(9'000'000);
  m->set_ets(4'000'000);
  m->set_code(12'000'000);
  m->set_atom(1'000'000);
  m->set_system(40'000'000);
  m->set_total(m->processes() + m->system());
  for (std::uint32_t i = 1; i <= 4; ++i) {
    auto* s = g->add_scheduler_util();
    s->set_kind(SchedulerUtil::NORMAL);
    s->set_id(i);
    s->set_utilization(0.5 + 0.45 * std::sin(static_cast<double>(t) / (3.0 + i)));
  }
  for (int i = 0; i < 40; ++i) {
    auto* p = kf.add_processes();
    p->set_pid("<0." + std::to_string(100 + i * 7) + ".0>");
    if (i % 3 == 0) p->set_registered_name("worker_" + std::to_string(i));
    p->set_initial_call("demo_worker:init/1");
    p->set_current_function(i % 2 ? "gen_server:loop/7" : "demo_worker:handle_info/2");
    p->set_status(i == 0 ? "running" : "waiting");
    p->set_message_queue_len(i == 0 ? 500 * (t % 20) : static_cast<std::uint64_t>(i));
    p->set_reductions(t * 1000 * (i + 1));
    p->set_reductions_per_s(1000 * (i + 1));
    p->set_memory_bytes(2000 + 1000 * i);
    p->set_heap_size_words(233);
    p->set_total_heap_size_words(376 + 10 * i);
    p->set_stack_size_words(12);
    p->set_minor_gcs(t + i);
    p->set_fullsweep_after(65535);
  }
  auto* h = kf.mutable_mailbox_histogram();
  h->set_sum(500 * (t % 20) + 780);
  h->set_count(g->process_count());
  auto* sw = kf.mutable_sweep();
  sw->set_period_ms(1000);
  sw->set_tick_cost_us(850);
  sw->set_processes_swept(g->process_count());
  kf.mutable_agent()->set_memory_bytes(3'500'000);
  return kf;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"beamscope-gui-devfeed: synthetic node for GUI development"};
  beamscope::transport::StreamServerOptions opts;
  std::string node = "devfeed@localhost";
  app.add_option("--bind", opts.endpoint, "Endpoint to serve viewers on");
  app.add_option("--node", node, "Node name to report");
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::string error;
  auto server = beamscope::transport::StreamServer::start(opts, error);
  if (!server) {
    std::fprintf(stderr, "devfeed: %s\n", error.c_str());
    return 1;
  }
  std::fprintf(stderr, "devfeed: serving on %s\n", server->bound_endpoint().c_str());
  for (std::uint64_t t = 1, seq = 1; !g_stop; ++t, ++seq) {
    beamscope::protocol::Envelope env;
    *env.mutable_keyframe() = make_tick(node, t);
    env.set_node(node);
    env.set_seq(seq);
    env.set_timestamp_us(beamscope::protocol::now_us());
    env.set_version_major(1);
    server->publish(std::move(env));
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return 0;
}
