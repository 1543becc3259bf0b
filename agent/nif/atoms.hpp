// Atoms the NIF uses, made once at load. Only these fixed names are ever
// turned into atoms: nothing from outside input becomes an atom.
#pragma once

#include <erl_nif.h>

namespace beamscope::agent::atoms {

// X-macro so the list and its creation cannot drift apart.
#define BEAMSCOPE_ATOMS(X)                                                                            \
  X(ok) X(error) X(true_, "true") X(false_, "false") X(undefined) X(disabled)                         \
  X(stream_endpoint) X(collector_endpoints) X(metrics_listen) X(top_k) X(metrics_auth) X(metrics_tls)                        \
  X(stream_secret_key_file) X(stream_authorized_keys_file) X(stream_insecure_remote)                  \
  X(beamscope_warning) X(stream_curve) X(stream_plaintext_remote) X(stream_auth_refused)               \
  X(stream_handshake_failed) X(stream_max_viewers) X(stream_viewer_cpu_us) X(stream_rejected)          \
  X(stream_connections) X(stream_cpu_us) X(stream_zmq_cpu_us) X(stream_hellos_answered)                \
  X(stream_hellos_deferred) X(stream_keyframe_encodes) X(stream_pinned_bytes)                          \
  X(history_s) X(tick_ms) X(history_bytes) X(history_samples) X(history_events) X(histories_sent)      \
  /* NodeInfo */                                                                                       \
  X(node) X(otp_release) X(erts_version) X(system_version) X(started_at_us) X(agent_version)           \
  X(schedulers_online) X(dirty_cpu_schedulers_online) X(word_size)                                     \
  /* VmGauges */                                                                                       \
  X(process_count) X(process_limit) X(port_count) X(port_limit) X(atom_count) X(atom_limit)            \
  X(ets_count) X(ets_limit) X(run_queue_total) X(run_queue_lengths) X(dirty_cpu_run_queue_length)      \
  X(dirty_io_run_queue_length) X(memory) X(reductions_total) X(gc_count_total)                          \
  X(gc_words_reclaimed_total) X(io_input_bytes_total) X(io_output_bytes_total) X(scheduler_util)       \
  X(uptime_ms) X(context_switches_total) X(normal) X(dirty_cpu) X(dirty_io)                             \
  /* erlang:memory() kinds */                                                                          \
  X(total) X(processes) X(processes_used) X(system) X(atom) X(atom_used) X(binary) X(code) X(ets)      \
  /* ProcessSample */                                                                                  \
  X(pid) X(registered_name) X(initial_call) X(current_function) X(status) X(message_queue_len)        \
  X(reductions) X(memory_bytes) X(memory_guarded) X(heap_size_words) X(total_heap_size_words)         \
  X(stack_size_words) X(minor_gcs) X(fullsweep_after) X(application)                                   \
  /* SweepStats and stats/1 */                                                                         \
  X(tick_cost_us) X(sweeps_total) X(last_sweep_processes) X(last_sweep_us)                \
  X(hot_count) X(top_mailbox) X(histogram_count) X(histogram_sum) X(frames_published)                   \
  X(frames_sent) X(frames_dropped) X(frames_rejected) X(viewers) X(keyframes_sent) X(deltas_sent)       \
  X(publish_dropped) X(seq) X(running) X(snapshot_process_count) X(snapshot_processes)             \
  X(thread_cpu_us) X(mailbox_alarm)

#define BEAMSCOPE_ATOM_DECL(name, ...) extern ERL_NIF_TERM name;
BEAMSCOPE_ATOMS(BEAMSCOPE_ATOM_DECL)
#undef BEAMSCOPE_ATOM_DECL

/// Creates every atom; called from load and upgrade.
void init(ErlNifEnv* env);

}  // namespace beamscope::agent::atoms
