#include "keyframe_builder.hpp"

#include <unordered_map>

#include "atoms.hpp"
#include "sweep_atoms.hpp"
#include "beamscope/protocol/limits.hpp"
#include "terms.hpp"

namespace beamscope::agent {

namespace limits = protocol::limits;
using terms::u64;

void read_node_info(ErlNifEnv* env, ERL_NIF_TERM m, v1::NodeInfo& out) {
  out.set_node(terms::text(env, m, atoms::node, limits::kMaxNodeName));
  out.set_otp_release(terms::text(env, m, atoms::otp_release, limits::kMaxString));
  out.set_erts_version(terms::text(env, m, atoms::erts_version, limits::kMaxString));
  out.set_system_version(terms::text(env, m, atoms::system_version, limits::kMaxString));
  out.set_started_at_us(terms::i64(env, m, atoms::started_at_us));
  out.set_agent_version(terms::text(env, m, atoms::agent_version, limits::kMaxString));
  out.set_schedulers_online(static_cast<std::uint32_t>(u64(env, m, atoms::schedulers_online)));
  out.set_dirty_cpu_schedulers_online(static_cast<std::uint32_t>(u64(env, m, atoms::dirty_cpu_schedulers_online)));
  out.set_word_size(static_cast<std::uint32_t>(u64(env, m, atoms::word_size)));
}

namespace {

void read_memory(ErlNifEnv* env, ERL_NIF_TERM m, v1::MemoryBytes& out) {
  out.set_total(u64(env, m, atoms::total));
  out.set_processes(u64(env, m, atoms::processes));
  out.set_processes_used(u64(env, m, atoms::processes_used));
  out.set_system(u64(env, m, atoms::system));
  out.set_atom(u64(env, m, atoms::atom));
  out.set_atom_used(u64(env, m, atoms::atom_used));
  out.set_binary(u64(env, m, atoms::binary));
  out.set_code(u64(env, m, atoms::code));
  out.set_ets(u64(env, m, atoms::ets));
}

// [{normal | dirty_cpu | dirty_io, Id, Utilization}]
void read_util(ErlNifEnv* env, ERL_NIF_TERM list, v1::VmGauges& out) {
  ERL_NIF_TERM head;
  while (enif_get_list_cell(env, list, &head, &list) &&
         static_cast<std::size_t>(out.scheduler_util_size()) < 3 * limits::kMaxSchedulers) {
    int arity = 0;
    const ERL_NIF_TERM* t = nullptr;
    if (!enif_get_tuple(env, head, &arity, &t) || arity != 3) continue;
    auto* u = out.add_scheduler_util();
    if (enif_is_identical(t[0], atoms::dirty_cpu))
      u->set_kind(v1::SchedulerUtil::DIRTY_CPU);
    else if (enif_is_identical(t[0], atoms::dirty_io))
      u->set_kind(v1::SchedulerUtil::DIRTY_IO);
    else
      u->set_kind(v1::SchedulerUtil::NORMAL);
    u->set_id(static_cast<std::uint32_t>(u64(env, t[1])));
    u->set_utilization(terms::number(env, t[2]));
  }
}

}  // namespace

void read_gauges(ErlNifEnv* env, ERL_NIF_TERM m, v1::VmGauges& out) {
  out.set_process_count(u64(env, m, atoms::process_count));
  out.set_process_limit(u64(env, m, atoms::process_limit));
  out.set_port_count(u64(env, m, atoms::port_count));
  out.set_port_limit(u64(env, m, atoms::port_limit));
  out.set_atom_count(u64(env, m, atoms::atom_count));
  out.set_atom_limit(u64(env, m, atoms::atom_limit));
  out.set_ets_count(u64(env, m, atoms::ets_count));
  out.set_ets_limit(u64(env, m, atoms::ets_limit));
  out.set_run_queue_total(u64(env, m, atoms::run_queue_total));
  ERL_NIF_TERM v, head;
  if (enif_get_map_value(env, m, atoms::run_queue_lengths, &v)) {
    while (enif_get_list_cell(env, v, &head, &v) &&
           static_cast<std::size_t>(out.run_queue_lengths_size()) < limits::kMaxSchedulers)
      out.add_run_queue_lengths(static_cast<std::uint32_t>(u64(env, head)));
  }
  out.set_dirty_cpu_run_queue_length(static_cast<std::uint32_t>(u64(env, m, atoms::dirty_cpu_run_queue_length)));
  out.set_dirty_io_run_queue_length(static_cast<std::uint32_t>(u64(env, m, atoms::dirty_io_run_queue_length)));
  if (enif_get_map_value(env, m, atoms::memory, &v) && enif_is_map(env, v)) read_memory(env, v, *out.mutable_memory());
  out.set_reductions_total(u64(env, m, atoms::reductions_total));
  out.set_gc_count_total(u64(env, m, atoms::gc_count_total));
  out.set_gc_words_reclaimed_total(u64(env, m, atoms::gc_words_reclaimed_total));
  out.set_io_input_bytes_total(u64(env, m, atoms::io_input_bytes_total));
  out.set_io_output_bytes_total(u64(env, m, atoms::io_output_bytes_total));
  if (enif_get_map_value(env, m, atoms::scheduler_util, &v)) read_util(env, v, out);
  out.set_uptime_ms(u64(env, m, atoms::uptime_ms));
  out.set_context_switches_total(u64(env, m, atoms::context_switches_total));
}

bool read_sample(ErlNifEnv* env, ERL_NIF_TERM m, v1::ProcessSample& out, std::uint64_t& pid_key) {
  ERL_NIF_TERM pid_term;
  ErlNifPid pid;
  if (!enif_is_map(env, m) || !enif_get_map_value(env, m, atoms::pid, &pid_term) ||
      !enif_get_local_pid(env, pid_term, &pid))
    return false;
  pid_key = static_cast<std::uint64_t>(pid.pid);
  const std::size_t max = limits::kMaxString;
  out.set_pid(terms::text(env, pid_term, max));
  out.set_registered_name(terms::text(env, m, atoms::registered_name, max));
  out.set_initial_call(terms::text(env, m, atoms::initial_call, max));
  out.set_current_function(terms::text(env, m, atoms::current_function, max));
  out.set_status(terms::text(env, m, atoms::status, max));
  out.set_message_queue_len(u64(env, m, atoms::message_queue_len));
  out.set_reductions(u64(env, m, atoms::reductions));
  out.set_memory_bytes(u64(env, m, atoms::memory_bytes));
  out.set_heap_size_words(u64(env, m, atoms::heap_size_words));
  out.set_total_heap_size_words(u64(env, m, atoms::total_heap_size_words));
  out.set_stack_size_words(u64(env, m, atoms::stack_size_words));
  out.set_minor_gcs(u64(env, m, atoms::minor_gcs));
  out.set_fullsweep_after(u64(env, m, atoms::fullsweep_after));
  out.set_memory_guarded(terms::flag(env, m, atoms::memory_guarded));
  out.set_application(terms::text(env, m, atoms::application, max));
  return true;
}

void read_samples(ErlNifEnv* env, ERL_NIF_TERM list, const SweepResult& sweep, std::size_t limit, HotTick tick,
                  v1::Keyframe& kf) {
  std::unordered_map<std::uint64_t, std::uint64_t> rates;
  rates.reserve(sweep.hot.size());
  for (const auto& p : sweep.hot) rates.emplace(p.key, sweep.rate_per_s(p));

  ERL_NIF_TERM head;
  const std::size_t cap = std::min(limit, limits::kMaxProcesses);
  while (enif_get_list_cell(env, list, &head, &list) && static_cast<std::size_t>(kf.processes_size()) < cap) {
    v1::ProcessSample s;
    std::uint64_t key = 0;
    if (!read_sample(env, head, s, key)) continue;
    if (auto it = rates.find(key); it != rates.end()) s.set_reductions_per_s(it->second);
    const HotRates r = tick.history.update(key, tick.now_us, s.message_queue_len(), s.minor_gcs(), tick.mailbox_alarm);
    s.set_mailbox_growth_per_s(r.mailbox_growth_per_s);
    s.set_seconds_to_threshold(r.seconds_to_threshold);
    s.set_minor_gcs_per_s(r.minor_gcs_per_s);
    *kf.add_processes() = std::move(s);
  }
  tick.history.end_tick();
}

void fill_sweep(ErlNifEnv* env, ERL_NIF_TERM stats_map, const Sweep& live, v1::Keyframe& kf) {
  const SweepResult& sweep = live.last();
  auto* h = kf.mutable_mailbox_histogram();
  for (std::size_t i = 0; i < MailboxHistogram::kBounds.size(); ++i) {
    h->add_upper_bounds(MailboxHistogram::kBounds[i]);
    h->add_counts(sweep.histogram.counts[i]);
  }
  h->set_overflow(sweep.histogram.overflow);
  h->set_sum(sweep.histogram.sum);
  h->set_count(sweep.histogram.count);

  auto* s = kf.mutable_sweep();
  s->set_processes_swept(sweep.processes);
  s->set_duration_us(sweep.duration_us);
  // The measured period between the last two sweeps' beginnings (the time
  // to see every mailbox), else the first sweep's duration.
  s->set_period_ms((sweep.sweep_period_us != 0 ? sweep.sweep_period_us : sweep.duration_us) / 1000);
  s->set_sweeps_total(sweep.sweeps_total);
  s->set_tick_cost_us(u64(env, stats_map, atoms::tick_cost_us));
  ERL_NIF_TERM v;
  if (enif_get_map_value(env, stats_map, sweep_atoms::budget_ratio, &v)) s->set_budget_ratio(terms::number(env, v));
  if (enif_get_map_value(env, stats_map, sweep_atoms::cost_ratio, &v)) s->set_cost_ratio(terms::number(env, v));
  s->set_chunk_us_max(u64(env, stats_map, sweep_atoms::chunk_us_max));
  s->set_guarded_total(u64(env, stats_map, sweep_atoms::guarded_total));
  s->set_sweep_progress(live.progress());

  // The per-process part of the agent's memory: its table of processes.
  auto* a = kf.mutable_agent();
  a->set_tracked_processes(live.tracked());
  a->set_bytes_per_process(live.tracked() ? live.table_bytes() / live.tracked() : 0);

  // Word size 8 on every 64-bit emulator; the heap proxy is in words.
  const std::uint64_t word = kf.info().word_size() ? kf.info().word_size() : 8;
  for (const AppTotals& t : sweep.apps) {
    if (static_cast<std::size_t>(kf.applications_size()) >= kMaxApps) break;
    auto* app = kf.add_applications();
    app->set_name(t.name);
    app->set_processes(t.processes);
    app->set_memory_bytes(t.heap_words * word);
    app->set_mailbox_messages(t.mailbox);
    app->set_reductions(t.reductions);
  }
}

}  // namespace beamscope::agent
