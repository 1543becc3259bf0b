// The producer side of the stream: what changed between two full states.
#include <google/protobuf/util/message_differencer.h>

#include <unordered_map>

#include "beamscope/protocol/node_model.hpp"

namespace beamscope::protocol {

Delta make_delta(const Keyframe& prev, const Keyframe& next) {
  Delta d;
  // Gauges and stats change every tick anyway: send them whole.
  *d.mutable_gauges() = next.gauges();
  *d.mutable_mailbox_histogram() = next.mailbox_histogram();
  *d.mutable_sweep() = next.sweep();
  *d.mutable_agent() = next.agent();
  *d.mutable_tree_stats() = next.tree_stats();
  *d.mutable_monitor() = next.monitor();
  *d.mutable_applications() = next.applications();
  if (next.has_history_stats()) *d.mutable_history_stats() = next.history_stats();

  // Alerts replace all when present: sent when they changed (an empty set
  // clears the viewer's).
  using google::protobuf::util::MessageDifferencer;
  if (!MessageDifferencer::Equals(prev.alerts(), next.alerts())) *d.mutable_alerts() = next.alerts();

  std::unordered_map<std::string_view, const ProcessSample*> before;
  before.reserve(static_cast<std::size_t>(prev.processes_size()));
  for (const auto& p : prev.processes()) before.emplace(p.pid(), &p);

  for (const auto& p : next.processes()) {
    auto it = before.find(p.pid());
    if (it == before.end() || !MessageDifferencer::Equals(*it->second, p)) *d.add_upserted() = p;
    if (it != before.end()) before.erase(it);
  }
  for (const auto& [pid, p] : before) d.add_removed(std::string(pid));

  std::unordered_map<std::string_view, const v1::TreeNode*> tree_before;
  tree_before.reserve(static_cast<std::size_t>(prev.tree_size()));
  for (const auto& n : prev.tree()) tree_before.emplace(n.id(), &n);
  for (const auto& n : next.tree()) {
    auto it = tree_before.find(n.id());
    if (it == tree_before.end() || !MessageDifferencer::Equals(*it->second, n)) *d.add_tree_upserted() = n;
    if (it != tree_before.end()) tree_before.erase(it);
  }
  for (const auto& [id, n] : tree_before) d.add_tree_removed(std::string(id));

  const std::uint64_t newest = prev.events_size() ? prev.events(prev.events_size() - 1).id() : 0;
  for (const auto& e : next.events())
    if (e.id() > newest) *d.add_events() = e;
  return d;
}

}  // namespace beamscope::protocol
