// What the node bar says about a connection: "connecting", "connected" or
// "stale 12s". The stream client reports facts (connected, last heard);
// this decides what a person should read from them.
#pragma once

#include <cstdint>
#include <string>

namespace beamscope::gui {

enum class LinkState { kConnecting, kConnected, kStale, kRefused };

struct LinkStatus {
  LinkState state = LinkState::kConnecting;
  std::string text;
};

/// Data older than this is called stale even if the socket looks fine.
inline constexpr std::int64_t kStaleAfterUs = 3'000'000;

/// `last_heard_us` and `now_us` on the same clock (unix microseconds);
/// last_heard_us == 0 means never heard. A refusal by the server ("not
/// authorized by ...") wins over everything else: the user must act.
LinkStatus describe_link(bool connected, std::int64_t last_heard_us, std::int64_t now_us,
                         const std::string& refused = {});

/// "connecting", "connected", "stale" or "refused", for dumps and tests.
const char* link_state_name(LinkState state);

}  // namespace beamscope::gui
