// Restart flashes; see restart_flashes.hpp.
#include "restart_flashes.hpp"

namespace beamscope::gui {

void RestartFlashes::note_one(const v1::TreeNode& n, double now_s) {
  if (n.kind() == v1::TreeNode::SUPERVISOR || n.kind() == v1::TreeNode::APPLICATION) return;
  auto it = seen_.find(n.id());
  if (it != seen_.end() && n.restarts_total() > it->second) start_[n.id()] = now_s;
}

void RestartFlashes::forget_faded(double now_s) {
  for (auto it = start_.begin(); it != start_.end();) {
    it = now_s - it->second > kFlashSeconds ? start_.erase(it) : std::next(it);
  }
}

float RestartFlashes::flash(const std::string& id, double now_s) const {
  auto it = start_.find(id);
  if (it == start_.end()) return 0.0f;
  const double t = (now_s - it->second) / kFlashSeconds;
  return t < 0.0 || t >= 1.0 ? 0.0f : static_cast<float>(1.0 - t);
}

bool RestartFlashes::animating(double now_s) const {
  for (const auto& [id, start] : start_)
    if (now_s - start < kFlashSeconds) return true;
  return false;
}

}  // namespace beamscope::gui
