#include "sweep_nifs.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "agent_state.hpp"
#include "atoms.hpp"
#include "mono_clock.hpp"
#include "proc_atoms.hpp"
#include "sweep_atoms.hpp"
#include "terms.hpp"

namespace beamscope::agent {

namespace {

ERL_NIF_TERM u(ErlNifEnv* env, std::uint64_t v) { return enif_make_uint64(env, v); }

std::uint64_t pid_key(ErlNifEnv* env, ERL_NIF_TERM term) {
  ErlNifPid pid;
  if (!enif_get_local_pid(env, term, &pid)) return 0;
  return static_cast<std::uint64_t>(pid.pid);
}

// [{MasterPid, NameBinary}] -> pairs; malformed items are skipped.
std::vector<std::pair<std::uint64_t, std::string>> read_masters(ErlNifEnv* env, ERL_NIF_TERM list) {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  ERL_NIF_TERM head;
  while (enif_get_list_cell(env, list, &head, &list) && out.size() < kMaxApps) {
    int arity = 0;
    const ERL_NIF_TERM* t = nullptr;
    if (!enif_get_tuple(env, head, &arity, &t) || arity != 2) continue;
    const std::uint64_t key = pid_key(env, t[0]);
    std::string name = terms::text(env, t[1], 255);
    if (key != 0 && !name.empty()) out.emplace_back(key, std::move(name));
  }
  return out;
}

// The name id of a slow-tier read: the registered name, else the
// '$initial_call' proc_lib keeps (where the release can read it alone),
// else the initial call. Interned by term, printed only the first time.
std::uint16_t name_id(ErlNifEnv* env, NameTable& names, ERL_NIF_TERM registered, ERL_NIF_TERM call) {
  if (enif_is_atom(env, registered)) {
    if (auto id = names.cached(1, registered, 0)) return id;
    const auto id = names.intern(terms::text(env, registered, 255));
    if (id) names.cache(1, registered, 0, id);
    return id;
  }
  int arity = 0;
  const ERL_NIF_TERM* t = nullptr;
  if (!enif_get_tuple(env, call, &arity, &t) || arity != 3) return 0;
  if (auto id = names.cached(t[0], t[1], t[2])) return id;
  const auto id = names.intern(terms::text(env, call, 255));
  if (id) names.cache(t[0], t[1], t[2], id);
  return id;
}

// minor_gcs of a garbage_collection list, or false.
bool minor_gcs(ErlNifEnv* env, ERL_NIF_TERM list, std::uint32_t& out) {
  ERL_NIF_TERM head;
  while (enif_get_list_cell(env, list, &head, &list)) {
    int arity = 0;
    const ERL_NIF_TERM* t = nullptr;
    if (enif_get_tuple(env, head, &arity, &t) && arity == 2 && enif_is_identical(t[0], proc_atoms::minor_gcs)) {
      out = static_cast<std::uint32_t>(std::min<std::uint64_t>(terms::u64(env, t[1]), UINT32_MAX - 1));
      return true;
    }
  }
  return false;
}

// Info = {message_queue_len, Q} (the fast tier: process_info/2 with one
// item, `full` false) or the slow tier's list [{message_queue_len, Q},
// {reductions, R}, {heap_size, H}, {group_leader, G}, {registered_name,
// N}, {initial_call, MFA} | [{{dictionary, '$initial_call'}, MFA}] |
// [{garbage_collection, GC}]] as process_info/2 returns it (tags read, so
// the order does not matter); anything else (undefined: the process died)
// reads as false.
bool read_info(ErlNifEnv* env, ERL_NIF_TERM info, std::uint64_t (&v)[4], bool& full, SlowRead& slow,
               NameTable& names) {
  v[1] = v[2] = v[3] = 0;
  int arity = 0;
  const ERL_NIF_TERM* t = nullptr;
  if (enif_get_tuple(env, info, &arity, &t)) {
    full = false;
    return arity == 2 && enif_get_uint64(env, t[1], &v[0]);
  }
  full = true;
  namespace pa = proc_atoms;
  ERL_NIF_TERM head, registered = 0, call = 0, dict_call = 0;
  bool mq = false;
  int n = 0;
  while (n < 16 && enif_get_list_cell(env, info, &head, &info)) {
    ++n;
    if (!enif_get_tuple(env, head, &arity, &t) || arity != 2) return false;
    const ERL_NIF_TERM tag = t[0];
    if (enif_is_identical(tag, pa::message_queue_len)) {
      v[0] = terms::u64(env, t[1]);
      mq = true;
    } else if (enif_is_identical(tag, pa::reductions)) {
      v[1] = terms::u64(env, t[1]);
    } else if (enif_is_identical(tag, pa::heap_size)) {
      v[2] = terms::u64(env, t[1]);
    } else if (enif_is_identical(tag, pa::group_leader)) {
      v[3] = pid_key(env, t[1]);
    } else if (enif_is_identical(tag, pa::registered_name)) {
      registered = t[1];
    } else if (enif_is_identical(tag, pa::initial_call)) {
      call = t[1];
    } else if (enif_is_identical(tag, pa::garbage_collection)) {
      slow.has_gcs = minor_gcs(env, t[1], slow.minor_gcs);
    } else if (enif_is_tuple(env, tag)) {
      dict_call = t[1];  // {dictionary, '$initial_call'}: the only tuple tag asked for
    }
  }
  if (registered != 0 || call != 0) {
    int a = 0;
    const ERL_NIF_TERM* mfa = nullptr;
    const bool proc_lib = dict_call != 0 && enif_get_tuple(env, dict_call, &a, &mfa) && a == 3;
    slow.name = name_id(env, names, registered != 0 ? registered : enif_make_list(env, 0), proc_lib ? dict_call : call);
  }
  return mq;
}

}  // namespace

// erl_nif.h's enif_make_pid macro casts to a const type, which -Wextra flags.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-qualifiers"
ERL_NIF_TERM make_local_pid(ErlNifEnv* env, std::uint64_t key) {
  ErlNifPid pid;
  pid.pid = static_cast<ERL_NIF_TERM>(key);
  return enif_make_pid(env, &pid);
}
#pragma GCC diagnostic pop

// sweep_begin(Ref, [{MasterPid, AppName}]) -> ok. O(applications).
ERL_NIF_TERM nif_sweep_begin(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  if (!s || !enif_is_list(env, argv[1])) return enif_make_badarg(env);
  auto masters = read_masters(env, argv[1]);
  std::lock_guard lock(s->mutex());
  s->sweep().begin(mono_us(), std::move(masters));
  return atoms::ok;
}

// sweep_chunk(Ref, Infos) -> {ok | grow, CpuUs | wall}. Infos: what
// process_info/2 returned for each pid of the last sweep_next/2 chunk, in
// the same order (the NIF pairs them with its own copy of the chunk, so no
// pid crosses back). O(chunk): a few tens of ns an item (sequential history,
// a top-K check). `grow` asks the caller for sweep_grow/2 (the history
// vectors are full). CpuUs: this scheduler thread's CPU time since that
// sweep_next/2 (the chunk's cost, not stretched when the OS preempts the
// thread); `wall` when the chunk moved between threads (the caller then
// charges its wall time). More Infos than the chunk had pids is badarg.
ERL_NIF_TERM nif_sweep_chunk(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  if (!s || !enif_is_list(env, argv[1])) return enif_make_badarg(env);
  std::lock_guard lock(s->mutex());
  Sweep& sweep = s->sweep();
  const std::vector<std::uint64_t>& keys = sweep.pids().chunk();
  ERL_NIF_TERM list = argv[1], info;
  std::size_t i = 0;
  for (; i < keys.size() && enif_get_list_cell(env, list, &info, &list); ++i) {
    std::uint64_t v[4];
    bool full = false;
    SlowRead slow;
    if (!read_info(env, info, v, full, slow, sweep.names())) continue;  // gone mid-sweep: skipped silently
    if (sweep.pids().chunk_is_fresh())
      sweep.add_fresh(keys[i], v[0]);
    else
      sweep.add(keys[i], v[0], v[1], v[2], v[3], full, slow);
  }
  const bool extra = !enif_is_empty_list(env, list);
  const std::optional<std::uint64_t> cpu_ns = sweep.pids().chunk_cpu_ns(thread_cpu_ns());
  sweep.pids().clear_chunk();
  if (extra) return enif_make_badarg(env);
  return enif_make_tuple2(env, sweep.wants_growth(0) ? sweep_atoms::grow : atoms::ok,
                          cpu_ns ? u(env, *cpu_ns / 1000) : sweep_atoms::wall);
}

// sweep_grow(Ref, Expected) -> ok. Dirty CPU: reserves the history vectors, O(N);
// its CPU time goes to thread_cpu_us (DirtyCpuMeter), charged with the next tick.
ERL_NIF_TERM nif_sweep_grow(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  ErlNifUInt64 expected = 0;
  if (!s || !enif_get_uint64(env, argv[1], &expected) || expected > (1ull << 28)) return enif_make_badarg(env);
  AgentState::DirtyCpuMeter meter(*s);
  std::lock_guard lock(s->mutex());
  if (s->sweep().wants_growth(expected)) s->sweep().grow(expected);
  return atoms::ok;
}

// sweep_load(Ref, Pids) -> {Count, CpuUs}. Dirty CPU: copies the pid list
// (erlang:processes/0) into the sweep, 8 bytes a process, so no Erlang
// process has to hold it; O(N) decoding outside the lock, then under it
// the merge-join that finds the pids the last sweep did not see (about
// 3 ns a pid, sequential).
// Non-pids are skipped; an improper or too long list is badarg. CpuUs:
// its own CPU time, which the caller charges as part of the sweep (its
// wall time is mostly the trip to a dirty scheduler and back).
ERL_NIF_TERM nif_sweep_load(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  unsigned len = 0;
  if (!s || !enif_get_list_length(env, argv[1], &len) || len > (1u << 28)) return enif_make_badarg(env);
  const std::uint64_t cpu0 = thread_cpu_ns();
  std::vector<std::uint64_t> keys;
  {
    std::lock_guard lock(s->mutex());
    keys = s->sweep().pids().take();
  }
  keys.reserve(len);
  ERL_NIF_TERM list = argv[1], head;
  while (enif_get_list_cell(env, list, &head, &list)) {
    const std::uint64_t key = pid_key(env, head);
    if (key != 0) keys.push_back(key);
  }
  const std::size_t n = keys.size();
  {
    std::lock_guard lock(s->mutex());
    s->sweep().load_pids(std::move(keys));
  }
  return enif_make_tuple2(env, u(env, n), u(env, (thread_cpu_ns() - cpu0) / 1000));
}

// sweep_stage(Ref, Pids) -> ok: appends up to kMaxChunkItems pids (non-pids
// skipped) to the list being built in parts; sweep_load_staged/1 loads
// it. O(length), a few ns a pid: a normal NIF.
ERL_NIF_TERM nif_sweep_stage(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  unsigned len = 0;
  if (!s || !enif_get_list_length(env, argv[1], &len) || len > kMaxChunkItems) return enif_make_badarg(env);
  std::vector<std::uint64_t> keys;
  keys.reserve(len);
  ERL_NIF_TERM list = argv[1], head;
  while (enif_get_list_cell(env, list, &head, &list)) {
    const std::uint64_t key = pid_key(env, head);
    if (key != 0) keys.push_back(key);
  }
  std::lock_guard lock(s->mutex());
  s->sweep().pids().stage(keys);
  return atoms::ok;
}

// sweep_load_staged(Ref) -> {Count, CpuUs}: the list built by
// sweep_stage/2 becomes the sweep's list, as sweep_load/2 would make it
// (the merge-join that finds new pids included). Dirty CPU: O(N).
ERL_NIF_TERM nif_sweep_load_staged(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  if (!s) return enif_make_badarg(env);
  const std::uint64_t cpu0 = thread_cpu_ns();
  std::size_t n = 0;
  {
    std::lock_guard lock(s->mutex());
    n = s->sweep().load_staged();
  }
  return enif_make_tuple2(env, u(env, n), u(env, (thread_cpu_ns() - cpu0) / 1000));
}

// sweep_next(Ref, N) -> {Pids, Count, IsLast}: the next N pids of the
// loaded list, in its order; the NIF keeps them as the chunk that the next
// sweep_chunk/2 pairs with, and notes this thread's CPU clock. O(N),
// N <= kMaxChunkItems: a few ns a pid.
ERL_NIF_TERM nif_sweep_next(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  unsigned n = 0;
  if (!s || !enif_get_uint(env, argv[1], &n) || n == 0 || n > kMaxChunkItems) return enif_make_badarg(env);
  std::lock_guard lock(s->mutex());
  Sweep& sweep = s->sweep();
  const bool last = sweep.pids().next_chunk(n, thread_cpu_ns());
  const std::vector<std::uint64_t>& keys = sweep.pids().chunk();
  ERL_NIF_TERM list = enif_make_list(env, 0);
  // Consed from the back, so the list comes out in the chunk's order.
  for (auto it = keys.rbegin(); it != keys.rend(); ++it)
    list = enif_make_list_cell(env, make_local_pid(env, *it), list);
  return enif_make_tuple3(env, list, u(env, keys.size()), last ? atoms::true_ : atoms::false_);
}

// sweep_end(Ref) -> [Pid]: the completed sweep's hot set. O(K log K).
ERL_NIF_TERM nif_sweep_end(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  if (!s) return enif_make_badarg(env);
  std::lock_guard lock(s->mutex());
  if (!s->sweep().end(mono_us())) return enif_make_list(env, 0);
  std::vector<ERL_NIF_TERM> pids;
  for (const auto& p : s->sweep().last().hot) pids.push_back(make_local_pid(env, p.key));
  return enif_make_list_from_array(env, pids.data(), static_cast<unsigned>(pids.size()));
}

// sweep_hot(Ref) -> [Pid]: the last complete sweep's hot set, then the
// sweep under way's top mailboxes (so a filling mailbox shows up as soon
// as the sweep reaches it, not a sweep later). O(K).
ERL_NIF_TERM nif_sweep_hot(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  if (!s) return enif_make_badarg(env);
  std::lock_guard lock(s->mutex());
  const Sweep& sweep = s->sweep();
  std::unordered_set<std::uint64_t> seen;
  std::vector<ERL_NIF_TERM> pids;
  for (const auto& p : sweep.last().hot)
    if (seen.insert(p.key).second) pids.push_back(make_local_pid(env, p.key));
  for (std::uint64_t key : sweep.rising())
    if (seen.insert(key).second) pids.push_back(make_local_pid(env, key));
  return enif_make_list_from_array(env, pids.data(), static_cast<unsigned>(pids.size()));
}

// sweep_stats(Ref) -> #{...}: table size and memory, progress, the last
// sweep's rankings and application totals. O(K + applications).
ERL_NIF_TERM nif_sweep_stats(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  if (!s) return enif_make_badarg(env);
  std::lock_guard lock(s->mutex());
  const Sweep& sweep = s->sweep();
  const SweepResult& last = sweep.last();
  auto pairs = [env](const std::vector<SweptProcess>& v, std::uint64_t SweptProcess::*by) {
    std::vector<ERL_NIF_TERM> out;
    for (const auto& p : v) out.push_back(enif_make_tuple2(env, make_local_pid(env, p.key), u(env, p.*by)));
    return enif_make_list_from_array(env, out.data(), static_cast<unsigned>(out.size()));
  };
  std::vector<ERL_NIF_TERM> apps;
  for (const auto& a : last.apps) {
    ERL_NIF_TERM name;
    auto* d = enif_make_new_binary(env, a.name.size(), &name);
    std::copy(a.name.begin(), a.name.end(), d);
    apps.push_back(enif_make_tuple5(env, name, u(env, a.processes), u(env, a.heap_words), u(env, a.mailbox),
                                    u(env, a.reductions)));
  }
  std::vector<ERL_NIF_TERM> rising;
  for (std::uint64_t key : sweep.rising()) rising.push_back(make_local_pid(env, key));
  const std::size_t tracked = sweep.tracked();
  ERL_NIF_TERM keys[] = {sweep_atoms::tracked_processes, sweep_atoms::table_bytes, sweep_atoms::bytes_per_process,
                         sweep_atoms::sweep_progress,    sweep_atoms::untracked_total, sweep_atoms::top_mailbox_all,
                         sweep_atoms::growing,           sweep_atoms::applications,  sweep_atoms::rising,
                         sweep_atoms::sweep_active,      atoms::sweeps_total,        atoms::last_sweep_processes,
                         sweep_atoms::history_matched,   sweep_atoms::fresh_processes};
  ERL_NIF_TERM values[] = {
      u(env, tracked),
      u(env, sweep.table_bytes()),
      u(env, tracked ? sweep.table_bytes() / tracked : 0),
      u(env, sweep.progress()),
      u(env, sweep.untracked_total()),
      pairs(last.top_mailbox, &SweptProcess::message_queue_len),
      pairs(last.growing, &SweptProcess::mailbox_growth),
      enif_make_list_from_array(env, apps.data(), static_cast<unsigned>(apps.size())),
      enif_make_list_from_array(env, rising.data(), static_cast<unsigned>(rising.size())),
      sweep.active() ? atoms::true_ : atoms::false_,
      u(env, last.sweeps_total),
      u(env, last.processes),
      u(env, sweep.history_matched()),
      u(env, sweep.pids().fresh())};
  static_assert(std::size(keys) == std::size(values));
  ERL_NIF_TERM map;
  enif_make_map_from_arrays(env, keys, values, std::size(keys), &map);
  return map;
}

}  // namespace beamscope::agent
