#include "sample_keyframe.hpp"

namespace beamscope::testing {

v1::Keyframe sample_keyframe(const std::string& node, std::size_t hot) {
  v1::Keyframe kf;
  auto* info = kf.mutable_info();
  info->set_node(node);
  info->set_otp_release("25");
  info->set_erts_version("13.1.5");
  info->set_agent_version("0.1.0");
  info->set_started_at_us(1'700'000'000'000'000);
  info->set_schedulers_online(2);
  info->set_dirty_cpu_schedulers_online(2);
  info->set_word_size(8);

  auto* g = kf.mutable_gauges();
  g->set_process_count(1234);
  g->set_process_limit(262144);
  g->set_port_count(7);
  g->set_port_limit(65536);
  g->set_atom_count(20000);
  g->set_atom_limit(1048576);
  g->set_ets_count(30);
  g->set_ets_limit(8192);
  g->set_run_queue_total(9);
  g->add_run_queue_lengths(3);
  g->add_run_queue_lengths(4);
  g->set_dirty_cpu_run_queue_length(2);
  g->set_dirty_io_run_queue_length(1);
  auto* m = g->mutable_memory();
  m->set_processes(4000);
  m->set_processes_used(3000);
  m->set_system(10000);
  m->set_atom(500);
  m->set_atom_used(400);
  m->set_binary(1000);
  m->set_code(2000);
  m->set_ets(1500);
  m->set_total(14000);
  g->set_reductions_total(123456789);
  g->set_gc_count_total(5000);
  g->set_gc_words_reclaimed_total(100);
  g->set_io_input_bytes_total(111);
  g->set_io_output_bytes_total(222);
  g->set_context_switches_total(333);
  g->set_uptime_ms(60'000);
  const v1::SchedulerUtil::Kind kinds[] = {v1::SchedulerUtil::NORMAL, v1::SchedulerUtil::NORMAL,
                                           v1::SchedulerUtil::DIRTY_CPU, v1::SchedulerUtil::DIRTY_IO};
  unsigned id = 1;
  for (auto kind : kinds) {
    auto* u = g->add_scheduler_util();
    u->set_kind(kind);
    u->set_id(kind == v1::SchedulerUtil::NORMAL ? id++ : 1);
    u->set_utilization(0.25);
  }

  for (std::size_t i = 1; i <= hot; ++i) {
    auto* p = kf.add_processes();
    p->set_pid("<0." + std::to_string(i) + ".0>");
    if (i % 2) p->set_registered_name("proc_" + std::to_string(i));
    p->set_initial_call("mod:init/" + std::to_string(i));
    p->set_message_queue_len(i * 10);
    p->set_memory_bytes(1000 + i);
    p->set_reductions_per_s(5 * i);
    p->set_minor_gcs_per_s(2 * i);
    // Two in three grow (the agent's figures, since 1.3): at 30 processes
    // the growth ranking is as full as the others (top_k 20).
    if (i % 3 != 1) {
      p->set_mailbox_growth_per_s(1.5 * static_cast<double>(i));
      p->set_seconds_to_threshold(100.0 / static_cast<double>(i));
    }
  }

  auto* h = kf.mutable_mailbox_histogram();
  for (std::uint64_t b : {0, 1, 10, 100}) h->add_upper_bounds(b);
  for (std::uint64_t c : {1000, 100, 50, 10}) h->add_counts(c);
  h->set_overflow(4);
  h->set_sum(20000);
  h->set_count(1164);

  auto* w = kf.mutable_sweep();
  w->set_processes_swept(1234);
  w->set_duration_us(2500);
  w->set_period_ms(1000);
  w->set_sweeps_total(42);
  w->set_tick_cost_us(800);
  w->set_budget_ratio(0.01);
  w->set_cost_ratio(0.004);
  w->set_chunk_us_max(300);
  w->set_guarded_total(5);

  auto* a = kf.mutable_agent();
  a->set_frames_sent_total(10);
  a->set_frames_dropped_total(1);
  a->set_frames_rejected_total(2);
  a->set_memory_bytes(1 << 20);
  a->set_viewers(3);
  auto* refused = a->add_stream_rejected();
  refused->set_reason("bad_frame");
  refused->set_total(4);
  a->set_tracked_processes(1234);
  a->set_bytes_per_process(96);

  const struct {
    const char* name;
    std::uint64_t processes;
  } apps[] = {{"kernel", 20}, {"demo", 1100}, {"", 114}};
  for (const auto& app : apps) {
    auto* s = kf.add_applications();
    s->set_name(app.name);
    s->set_processes(app.processes);
    s->set_memory_bytes(app.processes * 1000);
    s->set_mailbox_messages(app.processes * 2);
    s->set_reductions(app.processes * 100);
  }

  auto* mon = kf.mutable_monitor();
  mon->set_enabled(true);
  mon->set_long_gc(3);
  mon->set_large_heap(1);
  mon->set_long_schedule(7);

  auto* alerts = kf.mutable_alerts();
  auto* storm = alerts->add_active();
  storm->set_kind(v1::Alert::RESTART_STORM);
  storm->set_severity(v1::Alert::CRITICAL);
  storm->set_subject("demo/demo_sup/pool_sup");
  storm->set_name("pool_sup");
  storm->set_pid("<0.80.0>");
  auto* growing = alerts->add_active();
  growing->set_kind(v1::Alert::MAILBOX_GROWING);
  growing->set_subject("<0.3.0>");
  growing->set_name("mod:init/3");
  growing->set_pid("<0.3.0>");
  auto* atoms = alerts->add_active();
  atoms->set_kind(v1::Alert::ATOM_LIMIT);
  alerts->set_omitted(2);
  return kf;
}

v1::ProcessSample awkward_process() {
  v1::ProcessSample p;
  p.set_pid("<0.999.0>");
  p.set_registered_name("we\"ird\\na\nme_\xC3\xA9\xE2\x9C\x93");  // we"ird\na<LF>me_é✓
  p.set_message_queue_len(1'000'000);
  p.set_memory_bytes(1);
  p.set_reductions_per_s(1);
  return p;
}

}  // namespace beamscope::testing
