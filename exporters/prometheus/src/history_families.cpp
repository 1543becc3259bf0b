// How much of the past a node's producer keeps (the agent's history ring):
// an operator checks its memory and whether events were pushed out early.
#include "beamscope/exporters/metric_specs.hpp"
#include "families.hpp"

namespace beamscope::exporters::detail {

void add_history_families(NodeScope& scope, const v1::Keyframe& kf) {
  if (!kf.has_history_stats()) return;
  namespace k = specs;
  const auto& h = kf.history_stats();
  scope.gauge(k::kHistoryWindow, h.window_s());
  scope.gauge(k::kHistorySamples, h.samples());
  scope.gauge(k::kHistoryEvents, h.events());
  scope.gauge(k::kHistoryBytes, static_cast<double>(h.bytes()));
  scope.counter(k::kHistoryEventsDropped, static_cast<double>(h.events_dropped_total()));
}

}  // namespace beamscope::exporters::detail
