// The family builders of the node collectable, one per part of a Keyframe.
// Each adds the series of one node to a NodeScope; none keeps state, so a
// scrape is a pure function of the snapshots it was given.
#pragma once

#include <cstddef>

#include "beamscope.pb.h"
#include "beamscope/exporters/family_set.hpp"

namespace beamscope::exporters::detail {

/// erlang_vm_*: counts, limits, run queues, statistics, memory.
void add_vm_families(NodeScope& scope, const v1::Keyframe& kf);

/// beamscope_scheduler_utilization, beamscope_node_info, last update time.
void add_node_families(NodeScope& scope, const v1::Keyframe& kf);

/// beamscope_mailbox_length histogram and beamscope_mailbox_messages.
void add_mailbox_families(NodeScope& scope, const v1::Keyframe& kf);

/// beamscope_process_*: at most `top_k` series per ranking from the hot set,
/// mailbox growth and time to the alarm among them.
void add_process_families(NodeScope& scope, const v1::Keyframe& kf, std::size_t top_k);

/// Applications exported per node at most (the rest counted in
/// beamscope_applications_omitted).
inline constexpr std::size_t kMaxApplicationSeries = 256;

/// beamscope_application_*: one series per application from Keyframe.applications.
void add_application_families(NodeScope& scope, const v1::Keyframe& kf);

/// beamscope_monitor_enabled and beamscope_monitor_events_total{kind}.
void add_monitor_families(NodeScope& scope, const v1::Keyframe& kf);

/// beamscope_sweep_*, beamscope_sampler_*, beamscope_agent_*.
void add_agent_families(NodeScope& scope, const v1::Keyframe& kf);

/// beamscope_history_*: from Keyframe.history_stats, when present.
void add_history_families(NodeScope& scope, const v1::Keyframe& kf);
/// beamscope_alert_active{kind,severity,subject,name,pid}, beamscope_alerts{kind,severity},
/// beamscope_alerts_omitted: from Keyframe.alerts (the agent's rules), at
/// most limits::kMaxAlerts series. Nothing before the agent sends alerts.
void add_alert_families(NodeScope& scope, const v1::Keyframe& kf);

/// Most series a restart family exports (supervisors, static children).
inline constexpr std::size_t kMaxRestartSeries = 2000;

/// beamscope_supervisor_restarts_total, beamscope_child_restarts_total
/// (static children only), beamscope_supervisor_restart_intensity_headroom,
/// beamscope_supervisor_children: from the supervision tree.
void add_restart_families(NodeScope& scope, const v1::Keyframe& kf);

}  // namespace beamscope::exporters::detail
