// One entry's own facts; see tree_facts.hpp.
#include "tree_facts.hpp"

#include "beamscope/protocol/supervision.hpp"

namespace beamscope::gui {

TreeHealth tree_health(const v1::TreeNode& n) {
  if (n.escalated()) return TreeHealth::kEscalated;
  if (n.unresponsive()) return TreeHealth::kUnresponsive;
  if (n.pid_state() == "restarting") return TreeHealth::kRestarting;
  if (n.kind() != v1::TreeNode::APPLICATION && n.pid().empty()) return TreeHealth::kNotRunning;
  if (protocol::intensity_use(n) != protocol::IntensityUse::kNone) return TreeHealth::kNearLimit;
  return TreeHealth::kRunning;
}

std::string tree_display_name(const v1::TreeNode& n) {
  std::string s = n.registered_name().empty() ? n.name() : n.registered_name();
  static const std::string kElixir = "Elixir.";
  if (s.compare(0, kElixir.size(), kElixir) == 0 && s.size() > kElixir.size()) s.erase(0, kElixir.size());
  if (s.empty()) s = n.pid().empty() ? n.id() : n.pid();
  return s;
}

}  // namespace beamscope::gui
