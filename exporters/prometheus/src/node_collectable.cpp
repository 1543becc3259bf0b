// The Collectable handed to prometheus-cpp: at each scrape it takes the
// current immutable snapshots and builds every family from them. No
// registry, no per-sample locks: sampling never waits on a scrape.
#include "beamscope/exporters/node_collectable.hpp"

#include <exception>
#include <unordered_set>
#include <utility>

#include <prometheus/metric_family.h>

#include "beamscope/exporters/family_set.hpp"
#include "families.hpp"

namespace beamscope::exporters {

namespace {

class NodeCollectable final : public prometheus::Collectable {
 public:
  NodeCollectable(SnapshotSource source, CollectableOptions opts) : source_(std::move(source)), opts_(opts) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<std::shared_ptr<const v1::Keyframe>> snapshots;
    try {
      if (source_) snapshots = source_();
    } catch (const std::exception&) {
      // A failing source must not take the HTTP thread down: an empty
      // scrape is visible (absent series), a crash in a host VM is not OK.
      return {};
    }
    FamilySet set;
    std::unordered_set<std::string> seen;
    for (const auto& kf : snapshots) {
      if (!kf) continue;
      Labels base;
      if (opts_.label_node) {
        std::string node = label_value(kf->info().node());
        // Two snapshots naming the same node would repeat series, and
        // Prometheus drops a scrape with duplicates whole: keep the first.
        if (!seen.insert(node).second) continue;
        base.push_back({"node", std::move(node)});
      }
      NodeScope scope(set, std::move(base));
      detail::add_vm_families(scope, *kf);
      detail::add_node_families(scope, *kf);
      detail::add_mailbox_families(scope, *kf);
      detail::add_process_families(scope, *kf, opts_.top_k);
      detail::add_application_families(scope, *kf);
      detail::add_monitor_families(scope, *kf);
      detail::add_restart_families(scope, *kf);
      detail::add_agent_families(scope, *kf);
      detail::add_history_families(scope, *kf);
      detail::add_alert_families(scope, *kf);
      // Without a node label, a second node would repeat the first one's
      // series, which Prometheus refuses: export one node only.
      if (!opts_.label_node) break;
    }
    return set.take();
  }

 private:
  SnapshotSource source_;
  CollectableOptions opts_;
};

}  // namespace

std::shared_ptr<prometheus::Collectable> make_node_collectable(SnapshotSource source, CollectableOptions opts) {
  return std::make_shared<NodeCollectable>(std::move(source), opts);
}

}  // namespace beamscope::exporters
