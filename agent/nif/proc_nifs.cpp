#include "proc_nifs.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

#include "agent_state.hpp"
#include "atoms.hpp"
#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/processes.hpp"
#include "mono_clock.hpp"
#include "proc_atoms.hpp"
#include "proc_table.hpp"
#include "proto_terms.hpp"
#include "sweep_nifs.hpp"
#include "terms.hpp"

namespace beamscope::agent {

namespace {

namespace pa = proc_atoms;
// A page by minor GCs keeps the gc tier on this long.
constexpr std::int64_t kGcDemandUs = 120'000'000;

ERL_NIF_TERM u(ErlNifEnv* env, std::uint64_t v) { return enif_make_uint64(env, v); }

ERL_NIF_TERM binary(ErlNifEnv* env, const std::string& s) {
  ERL_NIF_TERM t;
  unsigned char* data = enif_make_new_binary(env, s.size(), &t);
  if (!s.empty()) std::copy(s.begin(), s.end(), data);
  return t;
}

ERL_NIF_TERM error_text(ErlNifEnv* env, const std::string& text) {
  return enif_make_tuple2(env, atoms::error, binary(env, text));
}

std::uint64_t age_ms(std::int64_t now, std::int64_t then) {
  return then <= 0 || now < then ? 0 : static_cast<std::uint64_t>((now - then) / 1000);
}

PageQuery::Key query_key(v1::ProcessesRequest::SortKey k) {
  using R = v1::ProcessesRequest;
  switch (k) {
    case R::MAILBOX_GROWTH: return PageQuery::Key::kGrowth;
    case R::MEMORY: return PageQuery::Key::kMemory;
    case R::REDUCTIONS: return PageQuery::Key::kReductions;
    case R::MINOR_GCS: return PageQuery::Key::kMinorGcs;
    case R::APPLICATION: return PageQuery::Key::kApplication;
    default: return PageQuery::Key::kMailbox;
  }
}

constexpr std::uint64_t kWordBytes = sizeof(void*);

ERL_NIF_TERM row_term(ErlNifEnv* env, const PageRow& r, const std::string& name, const std::string& app,
                      std::uint64_t slow_age) {
  ERL_NIF_TERM gcs = r.minor_gcs == ProcCols::kUnknownGcs ? atoms::undefined : u(env, r.minor_gcs);
  ERL_NIF_TERM items[] = {make_local_pid(env, r.key),     binary(env, name),
                          binary(env, app),               u(env, r.mailbox),
                          enif_make_double(env, r.growth_per_s), u(env, r.heap_words * kWordBytes),
                          u(env, r.reds_per_s),           gcs,
                          r.slow_known ? atoms::true_ : atoms::false_, u(env, r.slow_known ? slow_age : 0)};
  return enif_make_tuple_from_array(env, items, std::size(items));
}

}  // namespace

// processes_page(Ref, RequestMap) -> #{total, swept, sweep_age_ms,
// slow_age_ms, gc_age_ms, gc_known, rows => [{Pid, Name, App, Mailbox,
// GrowthPerS, MemoryBytes, RedsPerS, MinorGcs | undefined, SlowKnown,
// SlowAgeMs}]} | {error, Text}. RequestMap: a ProcessesRequest as
// proto_terms makes it. Dirty CPU: the lock is held only to take the table
// and resolve names (O(names)); the O(N) scan runs without it.
ERL_NIF_TERM nif_processes_page(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  v1::ProcessesRequest req;
  if (!s || !read_message(env, argv[1], req)) return enif_make_badarg(env);
  if (auto why = protocol::check(req)) return error_text(env, *why);
  AgentState::DirtyCpuMeter meter(*s);
  try {
    PageQuery q;
    q.key = query_key(req.sort());
    q.ascending = req.ascending();
    q.min_mailbox = req.min_mailbox();
    q.offset = req.offset();
    q.limit = req.limit();
    std::shared_ptr<const SweepTable> table;
    std::vector<std::string> app_names;
    {
      std::lock_guard lock(s->mutex());
      Sweep& sweep = s->sweep();
      table = sweep.table();
      app_names = sweep.app_names();
      if (!req.name_filter().empty()) {
        q.filter_names = true;
        const NameTable& names = sweep.names();
        q.names_match.assign(names.size(), false);
        for (std::size_t i = 1; i < names.size(); ++i)
          q.names_match[i] = protocol::name_matches(req.name_filter(), names.name(static_cast<std::uint16_t>(i)));
      }
    }
    if (q.key == PageQuery::Key::kMinorGcs) s->want_gcs(mono_us() + kGcDemandUs);
    if (!req.application().empty()) {
      q.filter_app = true;
      q.app = UINT16_MAX;  // an application the sweep never saw: nothing matches
      for (std::size_t i = 1; i < app_names.size(); ++i)
        if (app_names[i] == req.application()) q.app = static_cast<std::uint16_t>(i);
    }
    std::vector<std::size_t> order(app_names.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin() + 1, order.end(), [&](std::size_t a, std::size_t b) { return app_names[a] < app_names[b]; });
    q.app_rank.assign(app_names.size(), 0xffff);
    for (std::size_t r = 1; r < order.size(); ++r) q.app_rank[order[r]] = static_cast<std::uint32_t>(r);

    PageResult page = query_page(*table, q);
    const std::int64_t now = mono_us();
    const std::uint64_t slow_age = age_ms(now, table->slow_ended_us);
    std::vector<std::string> names(page.rows.size());
    {
      std::lock_guard lock(s->mutex());
      const NameTable& nt = s->sweep().names();
      for (std::size_t i = 0; i < page.rows.size(); ++i) names[i] = nt.name(page.rows[i].name);
    }
    std::vector<ERL_NIF_TERM> rows;
    rows.reserve(page.rows.size());
    for (std::size_t i = 0; i < page.rows.size(); ++i) {
      const auto& r = page.rows[i];
      rows.push_back(row_term(env, r, names[i], r.app < app_names.size() ? app_names[r.app] : std::string(), slow_age));
    }
    ERL_NIF_TERM keys[] = {pa::total, pa::swept, pa::sweep_age_ms, pa::slow_age_ms, pa::gc_age_ms, pa::gc_known, pa::rows};
    ERL_NIF_TERM values[] = {u(env, page.total),
                             u(env, table->entries.size()),
                             u(env, table->ended_us ? age_ms(now, table->ended_us) : 0),
                             u(env, slow_age),
                             u(env, age_ms(now, table->gc_ended_us)),
                             table->gc_ended_us > 0 ? atoms::true_ : atoms::false_,
                             enif_make_list_from_array(env, rows.data(), static_cast<unsigned>(rows.size()))};
    ERL_NIF_TERM map;
    enif_make_map_from_arrays(env, keys, values, std::size(keys), &map);
    return map;
  } catch (const std::exception& e) {
    return error_text(env, std::string("beamscope_nif:processes_page: ") + e.what());
  }
}

// mailbox_outlook(Ref, Pid, Mailbox) -> {GrowthPerS, SecondsToAlarm, AgeMs}
// | undefined: a process's mailbox growth as the hot set's history has it
// when the last tick read the process (tick to tick), else as the last
// complete sweep has it (sweep to sweep); the seconds until `Mailbox` (the
// caller's fresh reading) reaches mailbox_alarm at that growth
// (hot_rates.hpp), and the age of the reading. Dirty CPU: a linear search
// of the table when the process is not hot (about 1 ms at 1M processes).
ERL_NIF_TERM nif_mailbox_outlook(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  ErlNifPid pid;
  ErlNifUInt64 mailbox = 0;
  if (!s || !enif_get_local_pid(env, argv[1], &pid) || !enif_get_uint64(env, argv[2], &mailbox))
    return enif_make_badarg(env);
  AgentState::DirtyCpuMeter meter(*s);
  const auto key = static_cast<std::uint64_t>(pid.pid);
  const std::int64_t now = mono_us();
  const std::uint64_t alarm = s->config().mailbox_alarm;
  auto outlook = [&](double growth, std::int64_t at_us) {
    return enif_make_tuple3(env, enif_make_double(env, growth),
                            enif_make_double(env, seconds_to_threshold(mailbox, growth, alarm)),
                            u(env, age_ms(now, at_us)));
  };
  std::shared_ptr<const SweepTable> table;
  {
    std::lock_guard lock(s->mutex());
    if (auto hot = s->hot_history().last(key)) return outlook(hot->mailbox_growth_per_s, hot->at_us);
    table = s->sweep().table();
  }
  const std::size_t n = std::min(table->entries.size(), table->cols.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (table->entries[i].key == key) return outlook(growth_per_s(*table, table->cols[i]), table->ended_us);
  }
  return atoms::undefined;
}

// reply_answer(Ref, Viewer, Kind, AnswerMap) -> ok | {error, Text}: sends
// the answer to a forwarded process request. Kind: processes (a
// ProcessesPage), process (ProcessDetail) or action (ActionResult), the
// map in proto_terms' shape. Dirty CPU: up to a 256 KiB answer.
ERL_NIF_TERM nif_reply_answer(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  ErlNifBinary viewer;
  if (!s || !enif_inspect_binary(env, argv[1], &viewer) || viewer.size > 1024) return enif_make_badarg(env);
  AgentState::DirtyCpuMeter meter(*s);
  try {
    v1::Envelope answer;
    bool ok = false;
    if (enif_is_identical(argv[2], pa::processes))
      ok = read_message(env, argv[3], *answer.mutable_processes_page());
    else if (enif_is_identical(argv[2], pa::process))
      ok = read_message(env, argv[3], *answer.mutable_process_detail());
    else if (enif_is_identical(argv[2], pa::action))
      ok = read_message(env, argv[3], *answer.mutable_action_result());
    if (!ok) return enif_make_badarg(env);
    std::lock_guard lock(s->mutex());
    if (!s->reply_answer(std::string(reinterpret_cast<const char*>(viewer.data), viewer.size), std::move(answer)))
      return error_text(env, "reply dropped (stream server stopped or its queue is full)");
  } catch (const std::exception& e) {
    return error_text(env, std::string("beamscope_nif:reply_answer: ") + e.what());
  }
  return atoms::ok;
}

// tree_entry(Ref, PidText) -> TreeNode map | undefined: the last walk's
// entry of the process with that pid (its id, restarts). Dirty CPU: a
// scan of the latest keyframe's tree (at most kMaxTreeNodes).
ERL_NIF_TERM nif_tree_entry(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  ErlNifBinary pid;
  if (!s || !enif_inspect_binary(env, argv[1], &pid) || pid.size == 0 || pid.size > 64) return enif_make_badarg(env);
  const std::string text(reinterpret_cast<const char*>(pid.data), pid.size);
  const auto kf = s->latest();
  if (!kf) return atoms::undefined;
  for (const auto& n : kf->tree())
    if (n.pid() == text) return message_term(env, n);
  return atoms::undefined;
}

// action_refusal(Action) -> Binary: protocol::action_refusal's text for
// gc | kill | suspend | resume | state | messages. O(1).
ERL_NIF_TERM nif_action_refusal(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  char name[16];
  if (enif_get_atom(env, argv[0], name, sizeof name, ERL_NIF_LATIN1) <= 0) return enif_make_badarg(env);
  const auto action = protocol::parse_action(name);
  if (!action) return enif_make_badarg(env);
  return binary(env, protocol::action_refusal(*action));
}

// inspect_ready(Ref) -> ok: a (new) beamscope_inspect serves from now on.
ERL_NIF_TERM nif_inspect_ready(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  if (!s) return enif_make_badarg(env);
  s->reset_inspect_requests();
  return atoms::ok;
}

// sweep_wants_gcs(Ref) -> boolean(): a page by minor GCs was asked for
// lately, so the next sweep should read them. O(1).
ERL_NIF_TERM nif_sweep_wants_gcs(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  if (!s) return enif_make_badarg(env);
  return s->gcs_wanted_until() > mono_us() ? atoms::true_ : atoms::false_;
}

}  // namespace beamscope::agent
