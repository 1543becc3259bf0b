// What the node bar says about a connection: "connecting", "connected" or
// "stale 12s". The stream client reports facts (connected, last heard);
// this decides what a person should read from them.
#pragma once

#include <cstdint>
#include <string>

namespace beamscope::gui {

enum class LinkState { kConnecting, kConnected, kStale };

struct LinkStatus {
  LinkState state = LinkState::kConnecting;
  std::string text;
};

/// Data older than this is called stale even if the socket looks fine.
inline constexpr std::int64_t kStaleAfterUs = 3'000'000;

/// `last_heard_us` and `now_us` on the same clock (unix microseconds);
/// last_heard_us == 0 means never heard.
LinkStatus describe_link(bool connected, std::int64_t last_heard_us, std::int64_t now_us);

}  // namespace beamscope::gui
