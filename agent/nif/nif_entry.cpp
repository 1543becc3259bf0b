// The NIF entry points of beamscope_nif: argument checking, the resource
// type that owns AgentState, and load/upgrade/unload. No C++ exception
// leaves this file: each becomes {error, Text} or badarg.
#include <chrono>
#include <exception>
#include <functional>
#include <new>
#include <string>
#include <vector>

#include <erl_nif.h>

#include "agent_state.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "atoms.hpp"
#include "keyframe_builder.hpp"
#include "mono_clock.hpp"
#include "page_terms.hpp"
#include "proc_atoms.hpp"
#include "fleet_nifs.hpp"
#include "proc_nifs.hpp"
#include "sweep_atoms.hpp"
#include "sweep_nifs.hpp"
#include "terms.hpp"
#include "tree_atoms.hpp"
#include "tree_terms.hpp"

namespace beamscope::agent {
namespace {

// The resource wraps a pointer so that the AgentState is built and
// destroyed with ordinary C++ rules. Bump the name when the layout of
// AgentState changes: an upgrade then leaves old resources with the old
// library instead of taking them over.
constexpr const char* kResourceName = "beamscope_agent_state_v1";
ErlNifResourceType* g_state_type = nullptr;

struct Handle {
  AgentState* state;
};

// Runs when the last reference is gone (the sampler stopped or was
// killed): stops threads and closes sockets, so nothing leaks.
void destroy_handle(ErlNifEnv*, void* obj) {
  auto* h = static_cast<Handle*>(obj);
  delete h->state;
  h->state = nullptr;
}

ERL_NIF_TERM error_text(ErlNifEnv* env, const std::string& text) {
  ErlNifBinary bin;
  if (!enif_alloc_binary(text.size(), &bin)) return enif_make_tuple2(env, atoms::error, atoms::undefined);
  std::copy(text.begin(), text.end(), bin.data);
  return enif_make_tuple2(env, atoms::error, enif_make_binary(env, &bin));
}

AgentState* get_state(ErlNifEnv* env, ERL_NIF_TERM term) {
  Handle* h = nullptr;
  if (!enif_get_resource(env, term, g_state_type, reinterpret_cast<void**>(&h))) return nullptr;
  return h->state;
}

bool read_config(ErlNifEnv* env, ERL_NIF_TERM map, AgentConfig& out) {
  ERL_NIF_TERM v;
  if (!enif_is_map(env, map) || !enif_get_map_value(env, map, atoms::stream_endpoint, &v)) return false;
  // disabled: no inbound port, only the collectors dialled (checked at start).
  if (!enif_is_identical(v, atoms::disabled)) {
    out.stream_endpoint = terms::text(env, v, 1024);
    if (out.stream_endpoint.empty()) return false;
  }
  // [{Endpoint, KeyFile | disabled}] as beamscope_config made it.
  if (enif_get_map_value(env, map, atoms::collector_endpoints, &v)) {
    ERL_NIF_TERM head, tail = v;
    while (enif_get_list_cell(env, tail, &head, &tail)) {
      int n = 0;
      const ERL_NIF_TERM* pair = nullptr;
      if (!enif_get_tuple(env, head, &n, &pair) || n != 2 || out.collector_endpoints.size() >= 16) return false;
      CollectorEndpoint c;
      c.endpoint = terms::text(env, pair[0], 1024);
      if (c.endpoint.empty()) return false;
      if (!enif_is_identical(pair[1], atoms::disabled)) {
        c.server_key_file = terms::text(env, pair[1], 4096);
        if (c.server_key_file.empty()) return false;
      }
      out.collector_endpoints.push_back(std::move(c));
    }
  }
  if (enif_get_map_value(env, map, atoms::metrics_listen, &v) && !enif_is_identical(v, atoms::disabled)) {
    out.metrics_listen = terms::text(env, v, 1024);
    if (out.metrics_listen->empty()) return false;
  }
  // {User, Password} binaries (beamscope_config read any auth file) or disabled.
  int arity = 0;
  const ERL_NIF_TERM* pair = nullptr;
  if (enif_get_map_value(env, map, atoms::metrics_auth, &v) && enif_get_tuple(env, v, &arity, &pair)) {
    if (arity != 2) return false;
    out.auth_user = terms::text(env, pair[0], 255);
    out.auth_password = terms::text(env, pair[1], 255);
    if (out.auth_user.empty() || out.auth_password.empty()) return false;
  }
  if (enif_get_map_value(env, map, atoms::metrics_tls, &v) && !enif_is_identical(v, atoms::disabled)) {
    out.tls_pem = terms::text(env, v, 4096);
    if (out.tls_pem.empty()) return false;
  }
  // CURVE key files: paths here, read (and checked) by the stream server.
  if (enif_get_map_value(env, map, atoms::stream_secret_key_file, &v) && !enif_is_identical(v, atoms::disabled)) {
    out.secret_key_file = terms::text(env, v, 4096);
    if (out.secret_key_file.empty()) return false;
  }
  if (enif_get_map_value(env, map, atoms::stream_authorized_keys_file, &v) &&
      !enif_is_identical(v, atoms::disabled)) {
    out.authorized_keys_file = terms::text(env, v, 4096);
    if (out.authorized_keys_file.empty()) return false;
  }
  out.insecure_remote =
      enif_get_map_value(env, map, atoms::stream_insecure_remote, &v) && enif_is_identical(v, atoms::true_);
  const std::uint64_t k = terms::u64(env, map, atoms::top_k);
  out.top_k = k == 0 ? 50 : std::min<std::uint64_t>(k, 1000);
  // Validated by beamscope_config (1..10000); absent: the server's default.
  if (const std::uint64_t viewers = terms::u64(env, map, atoms::stream_max_viewers); viewers > 0)
    out.max_viewers = std::min<std::uint64_t>(viewers, 10000);
  out.viewer_cpu_us_per_s = terms::u64(env, map, atoms::stream_viewer_cpu_us);
  // Validated by beamscope_config; absent (a caller of its own): no history.
  out.history_s = static_cast<std::uint32_t>(std::min<std::uint64_t>(terms::u64(env, map, atoms::history_s), 86400));
  if (const std::uint64_t tick = terms::u64(env, map, atoms::tick_ms); tick > 0)
    out.tick_ms = static_cast<std::uint32_t>(std::min<std::uint64_t>(tick, 60000));
  // Validated by beamscope_config; absent (tests): the rules' default.
  if (const std::uint64_t alarm = terms::u64(env, map, atoms::mailbox_alarm); alarm > 0) out.mailbox_alarm = alarm;
  return true;
}

// Sends {beamscope_warning, Text} to `owner` (the sampler, which logs it)
// from a thread of the agent's own: a process env of its own each time.
std::function<void(const std::string&)> warning_sender(ErlNifPid owner) {
  return [owner](const std::string& text) mutable {
    ErlNifEnv* msg_env = enif_alloc_env();
    if (!msg_env) return;
    ErlNifBinary bin;
    if (enif_alloc_binary(text.size(), &bin)) {
      std::copy(text.begin(), text.end(), bin.data);
      ERL_NIF_TERM msg = enif_make_tuple2(msg_env, atoms::beamscope_warning, enif_make_binary(msg_env, &bin));
      (void)enif_send(nullptr, &owner, msg_env, msg);
    }
    enif_free_env(msg_env);
  };
}

// start(Config) -> {ok, Ref} | {error, Binary}. Dirty I/O: binds sockets and
// reads the CURVE key files.
ERL_NIF_TERM nif_start(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentConfig config;
  if (!read_config(env, argv[0], config)) return enif_make_badarg(env);
  ErlNifPid owner;
  if (enif_self(env, &owner)) config.on_warning = warning_sender(owner);
  auto* h = static_cast<Handle*>(enif_alloc_resource(g_state_type, sizeof(Handle)));
  h->state = nullptr;
  // From here the resource owns whatever h->state points to.
  ERL_NIF_TERM ref = enif_make_resource(env, h);
  enif_release_resource(h);
  try {
    h->state = new AgentState(config);
    std::string error = h->state->start();
    if (!error.empty()) return error_text(env, error);
  } catch (const std::exception& e) {
    return error_text(env, std::string("beamscope_nif:start: ") + e.what());
  }
  return enif_make_tuple2(env, atoms::ok, ref);
}

// stop(Ref) -> ok. Dirty I/O: joins the HTTP and stream threads.
ERL_NIF_TERM nif_stop(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = get_state(env, argv[0]);
  if (!s) return enif_make_badarg(env);
  std::lock_guard lock(s->mutex());
  s->stop();
  return atoms::ok;
}

// publish(Ref, NodeInfo, Gauges, [HotSample], SweepStats) -> ok.
ERL_NIF_TERM nif_publish(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = get_state(env, argv[0]);
  if (!s || !enif_is_map(env, argv[1]) || !enif_is_map(env, argv[2]) || !enif_is_list(env, argv[3]) ||
      !enif_is_map(env, argv[4]))
    return enif_make_badarg(env);
  AgentState::DirtyCpuMeter meter(*s);
  std::lock_guard lock(s->mutex());
  try {
    v1::Keyframe kf;
    read_node_info(env, argv[1], *kf.mutable_info());
    read_gauges(env, argv[2], *kf.mutable_gauges());
    const SweepResult& sweep = s->sweep().last();
    // The hot set: four rankings of top_k, up to 64 alarmed processes, up
    // to top_k named processes and supervisors (beamscope_sampler).
    read_samples(env, argv[3], sweep, 5 * s->config().top_k + 64,
                 HotTick{s->hot_history(), mono_us(), s->config().mailbox_alarm}, kf);
    fill_sweep(env, argv[4], s->sweep(), kf);
    s->publish(std::move(kf));
  } catch (const std::exception& e) {
    return error_text(env, std::string("beamscope_nif:publish: ") + e.what());
  }
  return atoms::ok;
}

ERL_NIF_TERM u(ErlNifEnv* env, std::uint64_t v) { return enif_make_uint64(env, v); }

// stats(Ref) -> #{...}: counters and the NIF's view of the last sweep.
ERL_NIF_TERM nif_stats(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = get_state(env, argv[0]);
  if (!s) return enif_make_badarg(env);
  std::lock_guard lock(s->mutex());
  const AgentCounters c = s->counters();
  const SweepResult& last = s->sweep().last();

  std::vector<ERL_NIF_TERM> top;
  for (std::size_t i = 0; i < last.top_mailbox.size() && i < 10; ++i)
    top.push_back(enif_make_tuple2(env, make_local_pid(env, last.top_mailbox[i].key),
                                   u(env, last.top_mailbox[i].message_queue_len)));
  const auto kf = s->latest();

  ERL_NIF_TERM keys[] = {
      atoms::sweeps_total, atoms::last_sweep_processes, atoms::last_sweep_us, atoms::hot_count,
      atoms::top_mailbox, atoms::histogram_count, atoms::histogram_sum, atoms::frames_published,
      atoms::frames_sent, atoms::frames_dropped, atoms::frames_rejected, atoms::viewers,
      atoms::keyframes_sent, atoms::deltas_sent, atoms::publish_dropped, atoms::seq,
      atoms::memory_bytes, atoms::running, atoms::snapshot_process_count, atoms::snapshot_processes,
      sweep_atoms::keyframe_bytes_total, sweep_atoms::delta_bytes_total, atoms::thread_cpu_us,
      sweep_atoms::sweep_period_us, atoms::stream_curve, atoms::stream_plaintext_remote,
      atoms::stream_auth_refused, atoms::stream_handshake_failed, atoms::stream_rejected,
      atoms::stream_connections, atoms::stream_cpu_us, atoms::stream_zmq_cpu_us, atoms::stream_hellos_answered,
      atoms::stream_hellos_deferred, atoms::stream_keyframe_encodes, atoms::stream_pinned_bytes,
      atoms::history_bytes, atoms::history_samples, atoms::history_events, atoms::histories_sent};
  // #{bad_frame => N, ...}: fixed names (transport::to_string), never input.
  std::vector<ERL_NIF_TERM> reasons, counts;
  for (std::size_t i = 0; i < transport::kRejectionKinds; ++i) {
    reasons.push_back(enif_make_atom(env, transport::to_string(static_cast<transport::Rejection>(i))));
    counts.push_back(u(env, c.stream.rejected[i]));
  }
  ERL_NIF_TERM rejected;
  enif_make_map_from_arrays(env, reasons.data(), counts.data(), reasons.size(), &rejected);
  ERL_NIF_TERM values[] = {
      u(env, last.sweeps_total), u(env, last.processes), u(env, last.duration_us), u(env, last.hot.size()),
      enif_make_list_from_array(env, top.data(), static_cast<unsigned>(top.size())),
      u(env, last.histogram.count), u(env, last.histogram.sum), u(env, c.frames_published),
      u(env, c.frames_sent), u(env, c.frames_dropped), u(env, c.frames_rejected), u(env, c.viewers),
      u(env, c.keyframes_sent), u(env, c.deltas_sent), u(env, c.publish_dropped), u(env, c.seq),
      u(env, c.memory_bytes), c.running ? atoms::true_ : atoms::false_,
      u(env, kf ? kf->gauges().process_count() : 0), u(env, kf ? kf->processes_size() : 0),
      u(env, c.keyframe_bytes), u(env, c.delta_bytes), u(env, c.thread_cpu_us), u(env, last.sweep_period_us),
      c.curve ? atoms::true_ : atoms::false_, c.plaintext_remote ? atoms::true_ : atoms::false_,
      u(env, c.auth_refused), u(env, c.handshake_failed), rejected,
      u(env, c.stream.connections), u(env, c.stream.io_cpu_us), u(env, c.stream.zmq_cpu_us),
      u(env, c.stream.hellos_answered), u(env, c.stream.hellos_deferred), u(env, c.stream.keyframe_encodes),
      u(env, c.stream.viewer_pinned_bytes), u(env, c.history.bytes()), u(env, c.history.samples()),
      u(env, c.history.events()), u(env, c.stream.histories_sent)};
  static_assert(std::size(keys) == std::size(values));
  ERL_NIF_TERM map;
  enif_make_map_from_arrays(env, keys, values, std::size(keys), &map);
  return map;
}

// publish_tree(Ref, [NodeMap], StatsMap) -> ok. Dirty CPU: O(nodes).
ERL_NIF_TERM nif_publish_tree(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = get_state(env, argv[0]);
  if (!s) return enif_make_badarg(env);
  AgentState::DirtyCpuMeter meter(*s);
  try {
    auto part = std::make_shared<v1::Keyframe>();
    if (!read_tree(env, argv[1], argv[2], *part)) return enif_make_badarg(env);
    std::lock_guard lock(s->mutex());
    s->set_tree(std::move(part));
  } catch (const std::exception& e) {
    return error_text(env, std::string("beamscope_nif:publish_tree: ") + e.what());
  }
  return atoms::ok;
}

// publish_events(Ref, [EventMap], MonitorMap) -> ok. O(events), <= 256 kept.
ERL_NIF_TERM nif_publish_events(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = get_state(env, argv[0]);
  if (!s) return enif_make_badarg(env);
  try {
    auto part = std::make_shared<v1::Keyframe>();
    if (!read_events(env, argv[1], argv[2], *part)) return enif_make_badarg(env);
    std::lock_guard lock(s->mutex());
    s->set_events(std::move(part));
  } catch (const std::exception& e) {
    return error_text(env, std::string("beamscope_nif:publish_events: ") + e.what());
  }
  return atoms::ok;
}

// tree_snapshot(Ref) -> map(): the latest keyframe's tree part. Dirty CPU.
ERL_NIF_TERM nif_tree_snapshot(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = get_state(env, argv[0]);
  if (!s) return enif_make_badarg(env);
  const auto kf = s->latest();
  if (!kf) return snapshot_term(env, v1::Keyframe{});
  return snapshot_term(env, *kf);
}

// reply_page(Ref, Viewer, PageMap) -> ok | {error, Text}: answers a
// forwarded children request. Dirty CPU: up to 1,000 node maps.
ERL_NIF_TERM nif_reply_page(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = get_state(env, argv[0]);
  ErlNifBinary viewer;
  if (!s || !enif_inspect_binary(env, argv[1], &viewer) || viewer.size > 1024) return enif_make_badarg(env);
  try {
    v1::ChildrenPage page;
    if (!read_page(env, argv[2], page)) return enif_make_badarg(env);
    std::lock_guard lock(s->mutex());
    if (!s->reply(std::string(reinterpret_cast<const char*>(viewer.data), viewer.size), std::move(page)))
      return error_text(env, "reply dropped (stream server stopped or its queue is full)");
  } catch (const std::exception& e) {
    return error_text(env, std::string("beamscope_nif:reply_page: ") + e.what());
  }
  return atoms::ok;
}

// pager_ready(Ref) -> ok: a (new) pager process serves requests from now on.
ERL_NIF_TERM nif_pager_ready(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = get_state(env, argv[0]);
  if (!s) return enif_make_badarg(env);
  s->reset_requests();
  return atoms::ok;
}

bool open_type(ErlNifEnv* env) {
  ErlNifResourceFlags tried;
  g_state_type = enif_open_resource_type(env, nullptr, kResourceName, destroy_handle,
                                         static_cast<ErlNifResourceFlags>(ERL_NIF_RT_CREATE | ERL_NIF_RT_TAKEOVER),
                                         &tried);
  return g_state_type != nullptr;
}

int on_load(ErlNifEnv* env, void**, ERL_NIF_TERM) {
  atoms::init(env);
  sweep_atoms::init(env);
  tree_atoms::init(env);
  proc_atoms::init(env);
  return open_type(env) ? 0 : 1;
}

// A new version of the library while the old is loaded: take over the
// resource type (same layout, same name) so running agents keep working.
int on_upgrade(ErlNifEnv* env, void**, void**, ERL_NIF_TERM) {
  atoms::init(env);
  sweep_atoms::init(env);
  tree_atoms::init(env);
  proc_atoms::init(env);
  return open_type(env) ? 0 : 1;
}

// Nothing to free: atoms are permanent and ERTS keeps the library mapped
// until the last resource of its type is destroyed (which joins threads).
void on_unload(ErlNifEnv*, void*) {}

// The calling scheduler thread's CPU time (beamscope_cost): what the
// sampler's own work costs, whatever else the OS runs meanwhile.
ERL_NIF_TERM nif_thread_cpu_us(ErlNifEnv* env, int, const ERL_NIF_TERM[]) {
  return enif_make_uint64(env, thread_cpu_ns() / 1000);
}

ErlNifFunc nif_funcs[] = {
    {"start", 1, nif_start, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"stop", 1, nif_stop, ERL_NIF_DIRTY_JOB_IO_BOUND},
    {"sweep_begin", 2, nif_sweep_begin, 0},
    {"sweep_chunk", 2, nif_sweep_chunk, 0},
    {"sweep_grow", 2, nif_sweep_grow, ERL_NIF_DIRTY_JOB_CPU_BOUND},
    {"sweep_load", 2, nif_sweep_load, ERL_NIF_DIRTY_JOB_CPU_BOUND},
    {"sweep_stage", 2, nif_sweep_stage, 0},
    {"sweep_load_staged", 1, nif_sweep_load_staged, ERL_NIF_DIRTY_JOB_CPU_BOUND},
    {"sweep_next", 2, nif_sweep_next, 0},
    {"sweep_end", 1, nif_sweep_end, 0},
    {"sweep_hot", 1, nif_sweep_hot, 0},
    {"sweep_stats", 1, nif_sweep_stats, 0},
    // Builds a keyframe and diffs it against the last one (hot set and
    // tree): usually well under 1 ms, but it grows with the tree, so it
    // never runs on a normal scheduler.
    {"publish", 5, nif_publish, ERL_NIF_DIRTY_JOB_CPU_BOUND},
    {"stats", 1, nif_stats, 0},
    {"publish_tree", 3, nif_publish_tree, ERL_NIF_DIRTY_JOB_CPU_BOUND},
    {"publish_events", 3, nif_publish_events, 0},
    {"tree_snapshot", 1, nif_tree_snapshot, ERL_NIF_DIRTY_JOB_CPU_BOUND},
    {"reply_page", 3, nif_reply_page, ERL_NIF_DIRTY_JOB_CPU_BOUND},
    {"pager_ready", 1, nif_pager_ready, 0},
    {"thread_cpu_us", 0, nif_thread_cpu_us, 0},
    // Process pages, detail and actions (protocol 1.3): proc_nifs.cpp.
    {"processes_page", 2, nif_processes_page, ERL_NIF_DIRTY_JOB_CPU_BOUND},
    {"mailbox_outlook", 3, nif_mailbox_outlook, ERL_NIF_DIRTY_JOB_CPU_BOUND},
    {"reply_answer", 4, nif_reply_answer, ERL_NIF_DIRTY_JOB_CPU_BOUND},
    {"tree_entry", 2, nif_tree_entry, ERL_NIF_DIRTY_JOB_CPU_BOUND},
    {"inspect_ready", 1, nif_inspect_ready, 0},
    {"action_refusal", 1, nif_action_refusal, 0},
    {"sweep_wants_gcs", 1, nif_sweep_wants_gcs, 0},
    // The agent in its fleet (--discover): fleet_nifs.cpp.
    {"stream_identity", 1, nif_stream_identity, 0},
    {"set_peer_agents", 2, nif_set_peer_agents, 0},
};

}  // namespace

AgentState* state_of(ErlNifEnv* env, ERL_NIF_TERM term) { return get_state(env, term); }

}  // namespace beamscope::agent

ERL_NIF_INIT(beamscope_nif, beamscope::agent::nif_funcs, beamscope::agent::on_load, nullptr,
             beamscope::agent::on_upgrade, beamscope::agent::on_unload)
