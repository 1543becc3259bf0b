// Alerts as series: what the agent's rules raised (protocol/alerts.hpp),
// read from the keyframe, never re-derived here. One series per alert, so
// their number is bounded by the protocol's bound on alerts, not by the node.
#include <map>
#include <set>
#include <string>
#include <utility>

#include "beamscope/exporters/metric_specs.hpp"
#include "beamscope/protocol/alerts.hpp"
#include "beamscope/protocol/limits.hpp"
#include "families.hpp"

namespace beamscope::exporters::detail {

void add_alert_families(NodeScope& scope, const v1::Keyframe& kf) {
  namespace k = specs;
  if (!kf.has_alerts()) return;  // an agent older than 1.3
  const auto& alerts = kf.alerts();
  std::map<std::pair<std::string, std::string>, double> by_kind;
  std::set<std::pair<int, std::string>> seen;  // (kind, subject): a repeated one would void the scrape
  for (const auto& a : alerts.active()) {
    // The wire's bound already holds; this one keeps a forged frame from a
    // collector's peer from growing a scrape.
    if (seen.size() >= protocol::limits::kMaxAlerts) break;
    if (!seen.emplace(static_cast<int>(a.kind()), label_value(a.subject())).second) continue;
    const std::string kind(protocol::alert_kind_name(a.kind()));
    const std::string severity(protocol::alert_severity_name(a.severity()));
    scope.series(k::kAlertActive, {{"kind", kind},
                                   {"severity", severity},
                                   {"subject", label_value(a.subject())},
                                   {"name", label_value(a.name())},
                                   {"pid", label_value(a.pid())}})
        .gauge.value = 1;
    by_kind[{kind, severity}] += 1;
  }
  for (const auto& [key, n] : by_kind) scope.gauge(k::kAlerts, n, {{"kind", key.first}, {"severity", key.second}});
  scope.gauge(k::kAlertsOmitted, static_cast<double>(alerts.omitted()));
}

}  // namespace beamscope::exporters::detail
