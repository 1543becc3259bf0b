// Supervisor facts; see supervision.hpp.
#include "beamscope/protocol/supervision.hpp"

namespace beamscope::protocol {

bool supervisor_flags_known(const v1::TreeNode& n) {
  return n.kind() == v1::TreeNode::SUPERVISOR && !n.strategy().empty();
}

std::optional<std::uint32_t> restart_headroom(const v1::TreeNode& n) {
  if (!supervisor_flags_known(n)) return std::nullopt;
  return n.restarts_in_period() >= n.intensity() ? 0 : n.intensity() - n.restarts_in_period();
}

IntensityUse intensity_use(const v1::TreeNode& n, double near) {
  // Intensity 0 (any restart stops it) or unknown (flags not read): nothing to measure.
  if (!supervisor_flags_known(n) || n.intensity() == 0 || n.restarts_in_period() == 0) return IntensityUse::kNone;
  if (n.restarts_in_period() >= n.intensity()) return IntensityUse::kAt;
  if (static_cast<double>(n.restarts_in_period()) >= near * static_cast<double>(n.intensity()))
    return IntensityUse::kNear;
  return IntensityUse::kNone;
}

std::uint64_t restarts_as_child(const v1::TreeNode& n) {
  return n.kind() == v1::TreeNode::SUPERVISOR ? n.self_restarts_total() : n.restarts_total();
}

bool has_dynamic_children(const v1::TreeNode& n) {
  return n.kind() == v1::TreeNode::SUPERVISOR && (n.strategy() == "simple_one_for_one" || n.children_total() > 0);
}

}  // namespace beamscope::protocol
