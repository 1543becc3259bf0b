// The cost of sampling and the agent's own health: what an operator checks
// before trusting the other numbers (is the sweep keeping up, are frames lost).
#include "beamscope/exporters/metric_specs.hpp"
#include "families.hpp"

namespace beamscope::exporters::detail {

namespace {

double d(std::uint64_t v) { return static_cast<double>(v); }

}  // namespace

void add_agent_families(NodeScope& scope, const v1::Keyframe& kf) {
  namespace k = specs;
  if (kf.has_sweep()) {
    const auto& w = kf.sweep();
    scope.gauge(k::kSweepDuration, d(w.duration_us()) / 1e6);
    scope.gauge(k::kSweepPeriod, d(w.period_ms()) / 1e3);
    scope.gauge(k::kSweepProcesses, d(w.processes_swept()));
    scope.counter(k::kSweeps, d(w.sweeps_total()));
    scope.gauge(k::kTickDuration, d(w.tick_cost_us()) / 1e6);
    scope.gauge(k::kSweepBudget, w.budget_ratio());
    scope.gauge(k::kSweepCost, w.cost_ratio());
    scope.gauge(k::kSweepChunkMax, d(w.chunk_us_max()) / 1e6);
    scope.counter(k::kSweepGuarded, d(w.guarded_total()));
  }
  if (kf.has_tree_stats()) scope.counter(k::kEventsDropped, d(kf.tree_stats().events_dropped()));
  if (kf.has_agent()) {
    const auto& a = kf.agent();
    scope.counter(k::kFramesSent, d(a.frames_sent_total()));
    scope.counter(k::kFramesDropped, d(a.frames_dropped_total()));
    scope.counter(k::kFramesRejected, d(a.frames_rejected_total()));
    scope.gauge(k::kAgentMemory, d(a.memory_bytes()));
    scope.gauge(k::kAgentViewers, a.viewers());
    scope.gauge(k::kStreamEncrypted, a.stream_encrypted() ? 1 : 0);
    scope.counter(k::kStreamAuthFailures, d(a.stream_auth_refused_total()), {{"reason", "unauthorized_key"}});
    scope.counter(k::kStreamAuthFailures, d(a.stream_handshake_failed_total()), {{"reason", "handshake"}});
    // Reasons come off the wire (a collector forwards them): label-safe.
    for (const auto& r : a.stream_rejected())
      scope.counter(k::kStreamRejected, d(r.total()), {{"reason", label_value(r.reason())}});
    // Endpoints are the node operator's own list (at most 16): label-safe after cleaning.
    for (const auto& c : a.collectors()) {
      const std::string collector = label_value(c.endpoint());
      scope.gauge(k::kCollectorConnected, c.connected() ? 1 : 0, {{"collector", collector}});
      scope.counter(k::kCollectorConnections, d(c.connections_total()), {{"collector", collector}});
    }
    scope.gauge(k::kAgentTracked, d(a.tracked_processes()));
    scope.gauge(k::kAgentBytesPerProcess, d(a.bytes_per_process()));
  }
}

}  // namespace beamscope::exporters::detail
