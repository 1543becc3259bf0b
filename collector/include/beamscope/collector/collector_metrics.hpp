// The collector's own health on its fleet /metrics: per agent link and for
// the viewer side. Built at scrape time from FanIn::stats(), like the node
// families, so the fan-in threads never touch a metric.
#pragma once

#include <memory>

#include <prometheus/collectable.h>

#include "beamscope/collector/discovery.hpp"
#include "beamscope/collector/fan_in.hpp"
#include "beamscope/transport/dial_in_listener.hpp"

namespace beamscope::collector {

/// beamscope_collector_* families; with `dialin` (--agents-listen) the
/// beamscope_collector_dialin_* ones too. Both must outlive the collectable
/// (destroy the Exposer first).
///   exposer.RegisterCollectable(make_collector_collectable(*fan));
std::shared_ptr<prometheus::Collectable> make_collector_collectable(const FanIn& fan,
                                                                    const transport::DialInListener* dialin = nullptr);

/// --discover: beamscope_collector_discovered_agents (gauge), _discovered_agents_total,
/// _discovery_forgotten_total and _discovery_skipped_total{reason}. `discovery`
/// must outlive the collectable.
std::shared_ptr<prometheus::Collectable> make_discovery_collectable(const Discovery& discovery);

}  // namespace beamscope::collector
