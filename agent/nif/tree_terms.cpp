#include "tree_terms.hpp"

#include <string>
#include <vector>

#include "beamscope/protocol/limits.hpp"
#include "terms.hpp"
#include "tree_atoms.hpp"

namespace beamscope::agent {

namespace limits = protocol::limits;
namespace a = tree_atoms;
using terms::u64;

namespace {

constexpr std::size_t kMax = limits::kMaxString;

std::uint32_t u32(ErlNifEnv* env, ERL_NIF_TERM m, ERL_NIF_TERM key) {
  const std::uint64_t v = u64(env, m, key);
  return v > 0xffffffffu ? 0xffffffffu : static_cast<std::uint32_t>(v);
}

std::string str(ErlNifEnv* env, ERL_NIF_TERM m, ERL_NIF_TERM key) { return terms::text(env, m, key, kMax); }

v1::TreeNode::Kind node_kind(ErlNifEnv* env, ERL_NIF_TERM m) {
  ERL_NIF_TERM v;
  if (!enif_get_map_value(env, m, a::kind, &v)) return v1::TreeNode::WORKER;
  if (enif_is_identical(v, a::application)) return v1::TreeNode::APPLICATION;
  if (enif_is_identical(v, a::supervisor)) return v1::TreeNode::SUPERVISOR;
  if (enif_is_identical(v, a::helper)) return v1::TreeNode::HELPER;
  return v1::TreeNode::WORKER;
}

void read_restarts(ErlNifEnv* env, ERL_NIF_TERM list, v1::TreeNode& out) {
  // Oldest first; keep the newest kMaxRecentRestarts.
  std::vector<ERL_NIF_TERM> items;
  ERL_NIF_TERM head;
  unsigned guard = 0;
  while (enif_get_list_cell(env, list, &head, &list) && ++guard <= 1024)
    if (enif_is_map(env, head)) items.push_back(head);
  const std::size_t skip = items.size() > limits::kMaxRecentRestarts ? items.size() - limits::kMaxRecentRestarts : 0;
  for (std::size_t i = skip; i < items.size(); ++i) {
    auto* r = out.add_recent_restarts();
    r->set_time_us(terms::i64(env, items[i], a::time_us));
    r->set_reason(str(env, items[i], a::reason));
    r->set_old_pid(str(env, items[i], a::old_pid));
    r->set_new_pid(str(env, items[i], a::new_pid));
  }
}

bool read_node(ErlNifEnv* env, ERL_NIF_TERM m, v1::TreeNode& out) {
  if (!enif_is_map(env, m)) return false;
  out.set_id(str(env, m, a::id));
  if (out.id().empty()) return false;
  out.set_parent_id(str(env, m, a::parent_id));
  out.set_kind(node_kind(env, m));
  out.set_application(str(env, m, a::application));
  out.set_name(str(env, m, a::name));
  out.set_pid(str(env, m, a::pid));
  out.set_pid_state(str(env, m, a::pid_state));
  out.set_restart_type(str(env, m, a::restart_type));
  out.set_shutdown(str(env, m, a::shutdown));
  ERL_NIF_TERM v, head;
  if (enif_get_map_value(env, m, a::modules, &v)) {
    while (enif_get_list_cell(env, v, &head, &v) && static_cast<std::size_t>(out.modules_size()) < limits::kMaxModules)
      out.add_modules(terms::text(env, head, kMax));
  }
  out.set_registered_name(str(env, m, a::registered_name));
  out.set_message_queue_len(u64(env, m, a::message_queue_len));
  out.set_memory_bytes(u64(env, m, a::memory_bytes));
  out.set_reductions(u64(env, m, a::reductions));
  out.set_strategy(str(env, m, a::strategy));
  out.set_intensity(u32(env, m, a::intensity));
  out.set_period_s(u32(env, m, a::period_s));
  out.set_child_specs(u32(env, m, a::child_specs));
  out.set_active_children(u32(env, m, a::active_children));
  out.set_supervisors(u32(env, m, a::supervisors));
  out.set_workers(u32(env, m, a::workers));
  out.set_unresponsive(terms::flag(env, m, a::unresponsive));
  out.set_walk_error(str(env, m, a::walk_error));
  out.set_restarts_in_period(u32(env, m, a::restarts_in_period));
  out.set_escalated(terms::flag(env, m, a::escalated));
  out.set_children_total(u32(env, m, a::children_total));
  out.set_restarts_total(u64(env, m, a::restarts_total));
  out.set_self_restarts_total(u64(env, m, a::self_restarts_total));
  if (enif_get_map_value(env, m, a::recent_restarts, &v)) read_restarts(env, v, out);
  return true;
}

v1::Event::Kind event_kind(ERL_NIF_TERM v) {
  struct Pair {
    ERL_NIF_TERM atom;
    v1::Event::Kind kind;
  };
  const Pair pairs[] = {{a::child_terminated, v1::Event::CHILD_TERMINATED},
                        {a::start_error, v1::Event::START_ERROR},
                        {a::shutdown, v1::Event::SHUTDOWN},
                        {a::reached_max_restart_intensity, v1::Event::REACHED_MAX_RESTART_INTENSITY},
                        {a::crash_report, v1::Event::CRASH_REPORT},
                        {a::long_gc, v1::Event::LONG_GC},
                        {a::large_heap, v1::Event::LARGE_HEAP},
                        {a::long_schedule, v1::Event::LONG_SCHEDULE},
                        {a::busy_port, v1::Event::BUSY_PORT},
                        {a::busy_dist_port, v1::Event::BUSY_DIST_PORT},
                        {a::long_message_queue, v1::Event::LONG_MESSAGE_QUEUE}};
  for (const auto& p : pairs)
    if (enif_is_identical(v, p.atom)) return p.kind;
  return v1::Event::CRASH_REPORT;
}

ERL_NIF_TERM bin(ErlNifEnv* env, const std::string& s) {
  ERL_NIF_TERM t;
  unsigned char* data = enif_make_new_binary(env, s.size(), &t);
  if (!s.empty()) std::copy(s.begin(), s.end(), data);
  return t;
}

ERL_NIF_TERM num(ErlNifEnv* env, std::uint64_t v) { return enif_make_uint64(env, v); }

ERL_NIF_TERM make_map(ErlNifEnv* env, std::vector<ERL_NIF_TERM> keys, std::vector<ERL_NIF_TERM> values) {
  ERL_NIF_TERM m;
  if (keys.size() != values.size() || !enif_make_map_from_arrays(env, keys.data(), values.data(), keys.size(), &m))
    return enif_make_new_map(env);
  return m;
}

ERL_NIF_TERM kind_atom(v1::TreeNode::Kind k) {
  switch (k) {
    case v1::TreeNode::APPLICATION: return a::application;
    case v1::TreeNode::SUPERVISOR: return a::supervisor;
    case v1::TreeNode::HELPER: return a::helper;
    default: return a::worker;
  }
}

ERL_NIF_TERM event_atom(v1::Event::Kind k) {
  switch (k) {
    case v1::Event::CHILD_TERMINATED: return a::child_terminated;
    case v1::Event::START_ERROR: return a::start_error;
    case v1::Event::SHUTDOWN: return a::shutdown;
    case v1::Event::REACHED_MAX_RESTART_INTENSITY: return a::reached_max_restart_intensity;
    case v1::Event::LONG_GC: return a::long_gc;
    case v1::Event::LARGE_HEAP: return a::large_heap;
    case v1::Event::LONG_SCHEDULE: return a::long_schedule;
    case v1::Event::BUSY_PORT: return a::busy_port;
    case v1::Event::BUSY_DIST_PORT: return a::busy_dist_port;
    case v1::Event::LONG_MESSAGE_QUEUE: return a::long_message_queue;
    default: return a::crash_report;
  }
}

ERL_NIF_TERM node_term(ErlNifEnv* env, const v1::TreeNode& n) {
  std::vector<ERL_NIF_TERM> mods, recent;
  for (const auto& m : n.modules()) mods.push_back(bin(env, m));
  for (const auto& r : n.recent_restarts())
    recent.push_back(make_map(env, {a::time_us, a::reason, a::old_pid, a::new_pid},
                              {enif_make_int64(env, r.time_us()), bin(env, r.reason()), bin(env, r.old_pid()),
                               bin(env, r.new_pid())}));
  const auto list = [env](const std::vector<ERL_NIF_TERM>& v) {
    return enif_make_list_from_array(env, v.data(), static_cast<unsigned>(v.size()));
  };
  return make_map(
      env,
      {a::id, a::parent_id, a::kind, a::application, a::name, a::pid, a::pid_state, a::restart_type, a::shutdown,
       a::modules, a::registered_name, a::message_queue_len, a::memory_bytes, a::reductions, a::strategy,
       a::intensity, a::period_s, a::child_specs, a::active_children, a::supervisors, a::workers, a::unresponsive,
       a::walk_error, a::restarts_in_period, a::escalated, a::children_total, a::restarts_total,
       a::self_restarts_total, a::recent_restarts},
      {bin(env, n.id()), bin(env, n.parent_id()), kind_atom(n.kind()), bin(env, n.application()),
       bin(env, n.name()), bin(env, n.pid()), bin(env, n.pid_state()), bin(env, n.restart_type()),
       bin(env, n.shutdown()), list(mods), bin(env, n.registered_name()), num(env, n.message_queue_len()),
       num(env, n.memory_bytes()), num(env, n.reductions()), bin(env, n.strategy()), num(env, n.intensity()),
       num(env, n.period_s()), num(env, n.child_specs()), num(env, n.active_children()), num(env, n.supervisors()),
       num(env, n.workers()), enif_make_atom(env, n.unresponsive() ? "true" : "false"), bin(env, n.walk_error()),
       num(env, n.restarts_in_period()), enif_make_atom(env, n.escalated() ? "true" : "false"),
       num(env, n.children_total()), num(env, n.restarts_total()), num(env, n.self_restarts_total()), list(recent)});
}

}  // namespace

bool read_tree_node(ErlNifEnv* env, ERL_NIF_TERM node, v1::TreeNode& out) { return read_node(env, node, out); }

bool read_tree(ErlNifEnv* env, ERL_NIF_TERM nodes, ERL_NIF_TERM stats, v1::Keyframe& out) {
  if (!enif_is_list(env, nodes)) return false;
  ERL_NIF_TERM head;
  while (enif_get_list_cell(env, nodes, &head, &nodes) &&
         static_cast<std::size_t>(out.tree_size()) < limits::kMaxTreeNodes) {
    v1::TreeNode n;
    if (read_node(env, head, n)) *out.add_tree() = std::move(n);
  }
  if (enif_is_map(env, stats)) {
    auto* s = out.mutable_tree_stats();
    s->set_walked_at_us(terms::i64(env, stats, a::walked_at_us));
    s->set_walk_duration_us(u64(env, stats, a::walk_duration_us));
    s->set_walks_total(u64(env, stats, a::walks_total));
    s->set_unresponsive(u32(env, stats, a::unresponsive));
  }
  return true;
}

bool read_events(ErlNifEnv* env, ERL_NIF_TERM events, ERL_NIF_TERM monitor, v1::Keyframe& out) {
  unsigned len = 0;
  if (!enif_get_list_length(env, events, &len)) return false;
  const unsigned skip = len > kKeyframeEvents ? len - kKeyframeEvents : 0;
  ERL_NIF_TERM head, v;
  for (unsigned i = 0; enif_get_list_cell(env, events, &head, &events); ++i) {
    if (i < skip || !enif_is_map(env, head)) continue;
    auto* e = out.add_events();
    e->set_id(u64(env, head, a::id));
    e->set_time_us(terms::i64(env, head, a::time_us));
    if (enif_get_map_value(env, head, a::kind, &v)) e->set_kind(event_kind(v));
    e->set_supervisor(str(env, head, a::supervisor));
    e->set_child(str(env, head, a::child));
    e->set_pid(str(env, head, a::pid));
    e->set_reason(str(env, head, a::reason));
    e->set_detail(str(env, head, a::detail));
  }
  if (enif_is_map(env, monitor)) {
    auto* m = out.mutable_monitor();
    m->set_enabled(terms::flag(env, monitor, a::enabled));
    m->set_long_gc(u64(env, monitor, a::long_gc));
    m->set_large_heap(u64(env, monitor, a::large_heap));
    m->set_long_schedule(u64(env, monitor, a::long_schedule));
    m->set_busy_port(u64(env, monitor, a::busy_port));
    m->set_busy_dist_port(u64(env, monitor, a::busy_dist_port));
    m->set_long_message_queue(u64(env, monitor, a::long_message_queue));
    // The rate limit's count travels with the events (TreeStats holds it).
    out.mutable_tree_stats()->set_events_dropped(u64(env, monitor, a::events_dropped));
  }
  return true;
}

ERL_NIF_TERM snapshot_term(ErlNifEnv* env, const v1::Keyframe& kf) {
  std::vector<ERL_NIF_TERM> tree, events;
  tree.reserve(static_cast<std::size_t>(kf.tree_size()));
  for (const auto& n : kf.tree()) tree.push_back(node_term(env, n));
  for (const auto& e : kf.events())
    events.push_back(make_map(env, {a::id, a::time_us, a::kind, a::supervisor, a::child, a::pid, a::reason, a::detail},
                              {num(env, e.id()), enif_make_int64(env, e.time_us()), event_atom(e.kind()),
                               bin(env, e.supervisor()), bin(env, e.child()), bin(env, e.pid()), bin(env, e.reason()),
                               bin(env, e.detail())}));
  const auto& s = kf.tree_stats();
  const auto& m = kf.monitor();
  ERL_NIF_TERM stats =
      make_map(env, {a::walked_at_us, a::walk_duration_us, a::walks_total, a::unresponsive, a::events_dropped},
               {enif_make_int64(env, s.walked_at_us()), num(env, s.walk_duration_us()), num(env, s.walks_total()),
                num(env, s.unresponsive()), num(env, s.events_dropped())});
  ERL_NIF_TERM mon = make_map(
      env,
      {a::enabled, a::long_gc, a::large_heap, a::long_schedule, a::busy_port, a::busy_dist_port,
       a::long_message_queue},
      {enif_make_atom(env, m.enabled() ? "true" : "false"), num(env, m.long_gc()), num(env, m.large_heap()),
       num(env, m.long_schedule()), num(env, m.busy_port()), num(env, m.busy_dist_port()),
       num(env, m.long_message_queue())});
  // The pids of the published process samples (the hot set), for tests.
  std::vector<ERL_NIF_TERM> pids;
  pids.reserve(static_cast<std::size_t>(kf.processes_size()));
  for (const auto& p : kf.processes()) pids.push_back(bin(env, p.pid()));
  return make_map(env, {a::tree, a::events, a::tree_stats, a::monitor, a::processes},
                  {enif_make_list_from_array(env, tree.data(), static_cast<unsigned>(tree.size())),
                   enif_make_list_from_array(env, events.data(), static_cast<unsigned>(events.size())), stats, mon,
                   enif_make_list_from_array(env, pids.data(), static_cast<unsigned>(pids.size()))});
}

}  // namespace beamscope::agent
