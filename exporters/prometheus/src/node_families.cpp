// Per-node beamscope_* families that are not about processes: scheduler
// utilization, node identity and the age of the data.
#include <algorithm>
#include <cmath>
#include <string>

#include "beamscope/exporters/metric_specs.hpp"
#include "families.hpp"

namespace beamscope::exporters::detail {

namespace {

const char* kind_label(v1::SchedulerUtil::Kind kind) {
  switch (kind) {
    case v1::SchedulerUtil::DIRTY_CPU: return "dirty_cpu";
    case v1::SchedulerUtil::DIRTY_IO: return "dirty_io";
    default: return "normal";  // NORMAL, and kinds of a newer minor version
  }
}

void add_scheduler_utilization(NodeScope& s, const v1::VmGauges& g) {
  for (const auto& u : g.scheduler_util()) {
    if (std::isnan(u.utilization())) continue;  // a broken sample is no data, not 0
    const double ratio = std::clamp(u.utilization(), 0.0, 1.0);
    s.gauge(specs::kSchedulerUtil, ratio, {{"type", kind_label(u.kind())}, {"id", std::to_string(u.id())}});
  }
}

void add_node_info(NodeScope& s, const v1::NodeInfo& info) {
  Labels labels;
  // The collector's base labels already carry node; a label twice is invalid.
  if (!s.has_base_label("node")) labels.push_back({"node", label_value(info.node())});
  labels.push_back({"otp_release", label_value(info.otp_release())});
  labels.push_back({"erts_version", label_value(info.erts_version())});
  labels.push_back({"agent_version", label_value(info.agent_version())});
  s.series(specs::kNodeInfo, std::move(labels)).gauge.value = 1;
}

// A Keyframe carries no timestamp of its own; node start + uptime at the
// sample is the moment the gauges were taken, on the node's own clock.
void add_last_update(NodeScope& s, const v1::Keyframe& kf) {
  if (!kf.has_info() || kf.info().started_at_us() <= 0 || !kf.has_gauges()) return;
  const double us = static_cast<double>(kf.info().started_at_us()) + 1000.0 * static_cast<double>(kf.gauges().uptime_ms());
  s.gauge(specs::kLastUpdate, us / 1e6);
}

}  // namespace

void add_node_families(NodeScope& scope, const v1::Keyframe& kf) {
  if (kf.has_gauges()) add_scheduler_utilization(scope, kf.gauges());
  if (kf.has_info()) add_node_info(scope, kf.info());
  add_last_update(scope, kf);
}

}  // namespace beamscope::exporters::detail
