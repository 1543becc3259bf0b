// Restart counters and intensity headroom from the supervision tree:
// one series per supervisor and per static child, never per dynamic child
// (children of simple_one_for_one or paged supervisors count in their
// supervisor's total), each family capped at kMaxRestartSeries.
#include <string>
#include <unordered_map>

#include "beamscope/protocol/supervision.hpp"
#include "families.hpp"

namespace beamscope::exporters::detail {

namespace {

using prometheus::MetricType;

constexpr MetricSpec kSupervisorRestarts{"beamscope_supervisor_restarts_total",
    "Restarts of the children of a supervisor seen by the agent since it started.", MetricType::Counter};
constexpr MetricSpec kChildRestarts{"beamscope_child_restarts_total",
    "Restarts of one static child seen by the agent since it started (a child supervisor: its own restarts, not its children's).",
    MetricType::Counter};
constexpr MetricSpec kHeadroom{"beamscope_supervisor_restart_intensity_headroom",
    "Restarts a supervisor may still take inside its period before it gives up (intensity minus recent restarts, never below 0).",
    MetricType::Gauge};
constexpr MetricSpec kChildren{"beamscope_supervisor_children",
    "Children of a supervisor (all of them, also when only a page is shown).", MetricType::Gauge};

}  // namespace

void add_restart_families(NodeScope& scope, const v1::Keyframe& kf) {
  // Supervisors whose children are dynamic: theirs are not exported one by one.
  std::unordered_map<std::string, bool> dynamic;
  std::size_t sups = 0, children = 0;
  for (const auto& n : kf.tree()) {
    if (n.kind() != v1::TreeNode::SUPERVISOR) continue;
    dynamic[n.id()] = protocol::has_dynamic_children(n);
    if (++sups > kMaxRestartSeries) continue;
    const auto sup = label_value(n.id());
    const auto app = label_value(n.application());
    scope.counter(kSupervisorRestarts, static_cast<double>(n.restarts_total()), {{"supervisor", sup}, {"application", app}});
    // Unknown intensity (flags not read) has no headroom to show.
    if (const auto left = protocol::restart_headroom(n))
      scope.gauge(kHeadroom, static_cast<double>(*left), {{"supervisor", sup}, {"application", app}});
    const auto total = n.children_total() > 0 ? n.children_total() : n.active_children();
    scope.gauge(kChildren, static_cast<double>(total), {{"supervisor", sup}, {"application", app}});
  }
  for (const auto& n : kf.tree()) {
    if (n.kind() != v1::TreeNode::WORKER && n.kind() != v1::TreeNode::SUPERVISOR) continue;
    const auto parent = dynamic.find(n.parent_id());
    if (parent == dynamic.end() || parent->second) continue;
    if (++children > kMaxRestartSeries) break;
    scope.counter(kChildRestarts, static_cast<double>(protocol::restarts_as_child(n)),
                  {{"supervisor", label_value(n.parent_id())}, {"child", label_value(n.name())}});
  }
}

}  // namespace beamscope::exporters::detail
