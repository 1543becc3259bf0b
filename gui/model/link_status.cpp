// Connection wording; see link_status.hpp.
#include "link_status.hpp"

#include <algorithm>

namespace beamscope::gui {

LinkStatus describe_link(bool connected, std::int64_t last_heard_us, std::int64_t now_us,
                         const std::string& refused, const std::string& dropping, std::int64_t last_rejected_us) {
  if (!refused.empty()) return {LinkState::kRefused, refused};
  const std::int64_t age = now_us > last_heard_us ? now_us - last_heard_us : 0;
  const bool fresh = connected && last_heard_us > 0 && age <= kStaleAfterUs;
  // A server of another major version (or no beamscope server at all)
  // answers: say what it sends rather than "connecting" forever.
  if (!dropping.empty() && last_rejected_us > last_heard_us && !fresh) return {LinkState::kDropping, dropping};
  if (last_heard_us <= 0) return {LinkState::kConnecting, "connecting"};
  if (fresh) return {LinkState::kConnected, "connected"};
  return {LinkState::kStale, "stale " + std::to_string(age / 1'000'000) + "s"};
}

LinkStatus describe_node(const LinkStatus& link, std::int64_t gone_at_us, const std::string& gone_reason,
                         std::int64_t now_us) {
  // A link in trouble is the cause: its own words say more.
  if (gone_at_us <= 0 || link.state != LinkState::kConnected) return link;
  const std::int64_t age = now_us > gone_at_us ? now_us - gone_at_us : 0;
  std::string text = "gone " + std::to_string(age / 1'000'000) + "s";
  if (!gone_reason.empty()) text += ": " + gone_reason;
  return {LinkState::kGone, std::move(text)};
}

double idle_wait_s(const std::vector<std::int64_t>& last_heard_us, std::int64_t now_us) {
  constexpr std::int64_t kSecond = 1'000'000, kMargin = 200'000, kMinimum = 50'000;
  std::int64_t wait = kSecond;
  bool heard = false;
  for (std::int64_t t : last_heard_us) {
    if (t <= 0) continue;
    const std::int64_t age = now_us > t ? now_us - t : 0;
    const std::int64_t until = (age / kSecond + 1) * kSecond + kMargin - age;
    wait = heard ? std::min(wait, until) : until;
    heard = true;
  }
  return static_cast<double>(std::max(wait, kMinimum)) / 1e6;
}

const char* link_state_name(LinkState state) {
  switch (state) {
    case LinkState::kConnecting: return "connecting";
    case LinkState::kConnected: return "connected";
    case LinkState::kStale: return "stale";
    case LinkState::kRefused: return "refused";
    case LinkState::kDropping: return "dropping";
    case LinkState::kGone: return "gone";
  }
  return "unknown";
}

}  // namespace beamscope::gui
