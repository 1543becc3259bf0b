// Connection wording; see link_status.hpp.
#include "link_status.hpp"

namespace beamscope::gui {

LinkStatus describe_link(bool connected, std::int64_t last_heard_us, std::int64_t now_us) {
  if (last_heard_us <= 0) return {LinkState::kConnecting, "connecting"};
  const std::int64_t age = now_us > last_heard_us ? now_us - last_heard_us : 0;
  if (connected && age <= kStaleAfterUs) return {LinkState::kConnected, "connected"};
  return {LinkState::kStale, "stale " + std::to_string(age / 1'000'000) + "s"};
}

}  // namespace beamscope::gui
