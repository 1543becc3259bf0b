// Prometheus metric families built from node-model snapshots at scrape time.
// Linked by the agent (one node) and the collector (a fleet, every series
// labelled with its node). Sampling never touches a metric lock: a scrape
// asks `source` for the current immutable snapshots and builds families.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include <prometheus/collectable.h>

#include "beamscope.pb.h"

namespace beamscope::exporters {

/// Returns the latest state of every node to export; called once per scrape
/// on the HTTP server's thread, so it must be thread-safe and cheap.
using SnapshotSource = std::function<std::vector<std::shared_ptr<const v1::Keyframe>>()>;

struct CollectableOptions {
  bool label_node = false;   ///< add node="..." to every series (collector)
  std::size_t top_k = 20;    ///< per-process series per ranking, at most
};

/// Usage (agent):
///   // The Exposer keeps only a weak_ptr: the caller must own the collectable.
///   collectable_ = make_node_collectable([&]{ return state.snapshots(); });
///   exposer.RegisterCollectable(collectable_);
std::shared_ptr<prometheus::Collectable> make_node_collectable(SnapshotSource source, CollectableOptions opts = {});

}  // namespace beamscope::exporters
