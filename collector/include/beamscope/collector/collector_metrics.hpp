// The collector's own health on its fleet /metrics: per agent link and for
// the viewer side. Built at scrape time from FanIn::stats(), like the node
// families, so the fan-in threads never touch a metric.
#pragma once

#include <memory>

#include <prometheus/collectable.h>

#include "beamscope/collector/fan_in.hpp"

namespace beamscope::collector {

/// beamscope_collector_* families. `fan` must outlive the collectable
/// (destroy the Exposer first).
///   exposer.RegisterCollectable(make_collector_collectable(*fan));
std::shared_ptr<prometheus::Collectable> make_collector_collectable(const FanIn& fan);

}  // namespace beamscope::collector
