// Per-application aggregates and system_monitor event counters: series
// keyed by application name or event kind, so their number follows the
// node's code, never its process count.
#include <algorithm>
#include <cstddef>

#include "beamscope/exporters/metric_specs.hpp"
#include "families.hpp"

namespace beamscope::exporters::detail {

namespace {

double d(std::uint64_t v) { return static_cast<double>(v); }

}  // namespace

void add_application_families(NodeScope& scope, const v1::Keyframe& kf) {
  namespace k = specs;
  if (kf.applications_size() == 0) return;  // the agent does not aggregate (yet)
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(kf.applications_size()), kMaxApplicationSeries);
  std::size_t emitted = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& app = kf.applications(static_cast<int>(i));
    // Processes outside any application's group leader come as "": keep them
    // visible under a name that cannot clash with a real application atom.
    const std::string name = app.name().empty() ? "(none)" : label_value(app.name());
    scope.gauge(k::kApplicationProcesses, d(app.processes()), {{"application", name}});
    scope.gauge(k::kApplicationMemory, d(app.memory_bytes()), {{"application", name}});
    scope.gauge(k::kApplicationMailbox, d(app.mailbox_messages()), {{"application", name}});
    scope.counter(k::kApplicationReductions, d(app.reductions()), {{"application", name}});
    ++emitted;
  }
  scope.gauge(k::kApplicationsOmitted, d(static_cast<std::uint64_t>(kf.applications_size()) - emitted));
}

void add_monitor_families(NodeScope& scope, const v1::Keyframe& kf) {
  namespace k = specs;
  if (!kf.has_monitor()) return;
  const auto& m = kf.monitor();
  scope.gauge(k::kMonitorEnabled, m.enabled() ? 1 : 0);
  if (!m.enabled()) return;  // another process holds the slot: no counts, not zeros
  const struct {
    const char* kind;
    std::uint64_t value;
  } kinds[] = {
      {"long_gc", m.long_gc()},           {"large_heap", m.large_heap()},
      {"long_schedule", m.long_schedule()}, {"busy_port", m.busy_port()},
      {"busy_dist_port", m.busy_dist_port()}, {"long_message_queue", m.long_message_queue()},
  };
  for (const auto& e : kinds) scope.counter(k::kMonitorEvents, d(e.value), {{"kind", e.kind}});
}

}  // namespace beamscope::exporters::detail
