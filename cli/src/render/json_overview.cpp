// The `overview` document: everything about a node except its process list.
#include "render.hpp"

namespace beamscope::cli {
namespace {

const char* scheduler_kind(v1::SchedulerUtil::Kind kind) {
  switch (kind) {
    case v1::SchedulerUtil::DIRTY_CPU: return "dirty_cpu";
    case v1::SchedulerUtil::DIRTY_IO: return "dirty_io";
    default: return "normal";
  }
}

nlohmann::json memory_json(const v1::MemoryBytes& m) {
  return {{"total", m.total()},   {"processes", m.processes()}, {"processes_used", m.processes_used()},
          {"system", m.system()}, {"atom", m.atom()},           {"atom_used", m.atom_used()},
          {"binary", m.binary()}, {"code", m.code()},           {"ets", m.ets()}};
}

nlohmann::json mailbox_json(const v1::MailboxHistogram& h) {
  // Buckets are per range (not cumulative), as on the wire; `le` is the
  // inclusive upper bound and the overflow bucket has le = null.
  auto buckets = nlohmann::json::array();
  const int n = std::min(h.upper_bounds_size(), h.counts_size());
  for (int i = 0; i < n; ++i) buckets.push_back({{"le", h.upper_bounds(i)}, {"count", h.counts(i)}});
  buckets.push_back({{"le", nlohmann::json(nullptr)}, {"count", h.overflow()}});
  return {{"buckets", buckets}, {"overflow", h.overflow()}, {"sum", h.sum()}, {"processes", h.count()}};
}

nlohmann::json scheduler_json(const v1::VmGauges& g) {
  auto list = nlohmann::json::array();
  for (const auto& s : g.scheduler_util())
    list.push_back({{"kind", scheduler_kind(s.kind())}, {"id", s.id()}, {"utilization", s.utilization()}});
  return list;
}

// {"bad_frame": 3, ...}: every reason the agent reported (names as on
// /metrics' beamscope_stream_rejected_total{reason}).
nlohmann::json rejected_json(const v1::AgentStats& a) {
  auto out = nlohmann::json::object();
  for (const auto& r : a.stream_rejected()) out[r.reason()] = r.total();
  return out;
}

// The collectors the agent dials (collector_endpoints) and how each stands.
nlohmann::json collectors_json(const v1::AgentStats& a) {
  auto list = nlohmann::json::array();
  for (const auto& c : a.collectors())
    list.push_back({{"endpoint", c.endpoint()},
                    {"connected", c.connected()},
                    {"refused", c.refused()},
                    {"connections_total", c.connections_total()},
                    {"frames_dropped_total", c.frames_dropped_total()}});
  return list;
}

// The agents of the node's cluster, as a collector's --discover follows them.
nlohmann::json peer_agents_json(const v1::AgentStats& a) {
  auto list = nlohmann::json::array();
  for (const auto& p : a.peer_agents())
    list.push_back({{"node", p.node()}, {"endpoint", p.endpoint()}, {"encrypted", !p.server_public_key().empty()}});
  return list;
}

}  // namespace

nlohmann::json overview_json(const protocol::Keyframe& kf, std::int64_t timestamp_us) {
  const auto& info = kf.info();
  const auto& g = kf.gauges();
  const auto& sw = kf.sweep();
  const auto& ag = kf.agent();
  nlohmann::json doc{
      {"node", info.node()},
      {"otp_release", info.otp_release()},
      {"erts_version", info.erts_version()},
      {"system_version", info.system_version()},
      {"agent_version", info.agent_version()},
      {"started_at_us", info.started_at_us()},
      {"schedulers_online", info.schedulers_online()},
      {"dirty_cpu_schedulers_online", info.dirty_cpu_schedulers_online()},
      {"word_size_bytes", info.word_size()},
      {"timestamp_us", timestamp_us},
      {"uptime_ms", g.uptime_ms()},
      {"process_count", g.process_count()},
      {"process_limit", g.process_limit()},
      {"port_count", g.port_count()},
      {"port_limit", g.port_limit()},
      {"atom_count", g.atom_count()},
      {"atom_limit", g.atom_limit()},
      {"ets_count", g.ets_count()},
      {"ets_limit", g.ets_limit()},
      {"run_queue", g.run_queue_total()},
      {"run_queue_lengths", g.run_queue_lengths()},
      {"dirty_cpu_run_queue", g.dirty_cpu_run_queue_length()},
      {"dirty_io_run_queue", g.dirty_io_run_queue_length()},
      {"memory_bytes", memory_json(g.memory())},
      {"reductions_total", g.reductions_total()},
      {"context_switches_total", g.context_switches_total()},
      {"gc", {{"count_total", g.gc_count_total()}, {"words_reclaimed_total", g.gc_words_reclaimed_total()}}},
      {"io", {{"input_bytes_total", g.io_input_bytes_total()}, {"output_bytes_total", g.io_output_bytes_total()}}},
      {"scheduler_utilization", scheduler_json(g)},
      {"mailbox", mailbox_json(kf.mailbox_histogram())},
      {"sweep",
       {{"processes_swept", sw.processes_swept()},
        {"duration_us", sw.duration_us()},
        {"period_ms", sw.period_ms()},
        {"sweeps_total", sw.sweeps_total()},
        {"tick_cost_us", sw.tick_cost_us()},
        {"budget_ratio", sw.budget_ratio()},
        {"cost_ratio", sw.cost_ratio()},
        {"chunk_us_max", sw.chunk_us_max()},
        {"guarded_total", sw.guarded_total()},
        {"progress", sw.sweep_progress()}}},
      {"agent",
       {{"frames_sent_total", ag.frames_sent_total()},
        {"frames_dropped_total", ag.frames_dropped_total()},
        {"frames_rejected_total", ag.frames_rejected_total()},
        {"memory_bytes", ag.memory_bytes()},
        {"viewers", ag.viewers()},
        {"stream_rejected", rejected_json(ag)},
        {"collectors", collectors_json(ag)},
        {"peer_agents", peer_agents_json(ag)},
        {"events_dropped_total", kf.tree_stats().events_dropped()}}},
      {"hot_processes", kf.processes_size()},
  };
  return doc;
}

}  // namespace beamscope::cli
