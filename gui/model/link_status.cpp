// Connection wording; see link_status.hpp.
#include "link_status.hpp"

namespace beamscope::gui {

LinkStatus describe_link(bool connected, std::int64_t last_heard_us, std::int64_t now_us,
                         const std::string& refused) {
  if (!refused.empty()) return {LinkState::kRefused, refused};
  if (last_heard_us <= 0) return {LinkState::kConnecting, "connecting"};
  const std::int64_t age = now_us > last_heard_us ? now_us - last_heard_us : 0;
  if (connected && age <= kStaleAfterUs) return {LinkState::kConnected, "connected"};
  return {LinkState::kStale, "stale " + std::to_string(age / 1'000'000) + "s"};
}

const char* link_state_name(LinkState state) {
  switch (state) {
    case LinkState::kConnecting: return "connecting";
    case LinkState::kConnected: return "connected";
    case LinkState::kStale: return "stale";
    case LinkState::kRefused: return "refused";
  }
  return "unknown";
}

}  // namespace beamscope::gui
