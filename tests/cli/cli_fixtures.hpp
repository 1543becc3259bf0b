// A fully populated keyframe for the ctl rendering tests: every field has a
// distinct value, so a field wired to the wrong source shows up.
#pragma once

#include <string>

#include "beamscope.pb.h"

namespace beamscope::cli::testing {

inline v1::ProcessSample full_process() {
  v1::ProcessSample p;
  p.set_pid("<0.123.0>");
  p.set_registered_name("my_server");
  p.set_initial_call("proc_lib:init_p/5");
  p.set_current_function("gen_server:loop/7");
  p.set_status("waiting");
  p.set_application("demo");
  p.set_message_queue_len(10001);
  p.set_memory_bytes(2002);
  p.set_reductions(3003);
  p.set_reductions_per_s(404);
  p.set_heap_size_words(505);
  p.set_total_heap_size_words(606);
  p.set_stack_size_words(707);
  p.set_minor_gcs(808);
  p.set_mailbox_growth_per_s(250.5);
  p.set_seconds_to_threshold(42.25);
  return p;
}

inline v1::Keyframe full_keyframe() {
  v1::Keyframe kf;
  auto* info = kf.mutable_info();
  info->set_node("demo@host");
  info->set_otp_release("25");
  info->set_erts_version("13.1.5");
  info->set_system_version("Erlang/OTP 25 [erts-13.1.5]");
  info->set_agent_version("0.1.0");
  info->set_started_at_us(1700000000000000);
  info->set_schedulers_online(2);
  info->set_dirty_cpu_schedulers_online(2);
  info->set_word_size(8);
  auto* g = kf.mutable_gauges();
  g->set_process_count(50123);
  g->set_process_limit(262144);
  g->set_port_count(7);
  g->set_port_limit(65536);
  g->set_atom_count(15000);
  g->set_atom_limit(1048576);
  g->set_ets_count(30);
  g->set_ets_limit(8192);
  g->set_run_queue_total(3);
  g->add_run_queue_lengths(1);
  g->add_run_queue_lengths(2);
  g->set_dirty_cpu_run_queue_length(4);
  g->set_dirty_io_run_queue_length(5);
  auto* m = g->mutable_memory();
  m->set_total(100);
  m->set_processes(40);
  m->set_processes_used(39);
  m->set_system(60);
  m->set_atom(11);
  m->set_atom_used(10);
  m->set_binary(12);
  m->set_code(13);
  m->set_ets(14);
  g->set_reductions_total(999999);
  g->set_gc_count_total(321);
  g->set_gc_words_reclaimed_total(654);
  g->set_io_input_bytes_total(1111);
  g->set_io_output_bytes_total(2222);
  g->set_uptime_ms(60000);
  g->set_context_switches_total(4444);
  auto* s1 = g->add_scheduler_util();
  s1->set_kind(v1::SchedulerUtil::NORMAL);
  s1->set_id(1);
  s1->set_utilization(0.25);
  auto* s2 = g->add_scheduler_util();
  s2->set_kind(v1::SchedulerUtil::DIRTY_IO);
  s2->set_id(3);
  s2->set_utilization(0.5);
  auto* h = kf.mutable_mailbox_histogram();
  h->add_upper_bounds(0);
  h->add_counts(50000);
  h->add_upper_bounds(10);
  h->add_counts(100);
  h->set_overflow(1);
  h->set_sum(10050);
  h->set_count(50101);
  auto* sw = kf.mutable_sweep();
  sw->set_processes_swept(50101);
  sw->set_duration_us(12000);
  sw->set_period_ms(1000);
  sw->set_sweeps_total(42);
  sw->set_tick_cost_us(15000);
  sw->set_budget_ratio(0.01);
  sw->set_cost_ratio(0.004);
  sw->set_chunk_us_max(900);
  sw->set_guarded_total(6);
  sw->set_sweep_progress(20000);
  kf.mutable_tree_stats()->set_events_dropped(9);
  auto* ag = kf.mutable_agent();
  ag->set_frames_sent_total(77);
  ag->set_frames_dropped_total(1);
  ag->set_frames_rejected_total(2);
  ag->set_memory_bytes(4096);
  ag->set_viewers(3);
  auto* refused = ag->add_stream_rejected();
  refused->set_reason("too_many_viewers");
  refused->set_total(5);
  auto* collector = ag->add_collectors();
  collector->set_endpoint("tcp://collector:9758");
  collector->set_connected(true);
  collector->set_connections_total(2);
  collector->set_frames_dropped_total(4);
  auto* peer = ag->add_peer_agents();
  peer->set_node("b@host");
  peer->set_endpoint("tcp://host:9755");
  peer->set_server_public_key("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
  *kf.add_processes() = full_process();
  return kf;
}

}  // namespace beamscope::cli::testing
