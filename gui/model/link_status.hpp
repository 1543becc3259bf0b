// What the node bar says about a connection: "connecting", "connected" or
// "stale 12s". The stream client reports facts (connected, last heard);
// this decides what a person should read from them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace beamscope::gui {

enum class LinkState { kConnecting, kConnected, kStale, kRefused, kDropping, kGone };

struct LinkStatus {
  LinkState state = LinkState::kConnecting;
  std::string text;
};

/// Data older than this is called stale even if the socket looks fine.
inline constexpr std::int64_t kStaleAfterUs = 3'000'000;

/// `last_heard_us` and `now_us` on the same clock (unix microseconds);
/// last_heard_us == 0 means never heard. A refusal by the server ("not
/// authorized by ...") wins over everything else: the user must act. Then
/// `dropping` ("3 frames dropped from ...: wrong major version 2 ..."),
/// when the server's latest frames were all dropped (`last_rejected_us`
/// after `last_heard_us`) and no good frame arrived recently.
LinkStatus describe_link(bool connected, std::int64_t last_heard_us, std::int64_t now_us,
                         const std::string& refused = {}, const std::string& dropping = {},
                         std::int64_t last_rejected_us = 0);

/// One node behind a link: the link's state, except that a node which left
/// a link that is fine (a collector whose agent went silent) is "gone 12s:
/// REASON". `gone_at_us` 0: the node streams.
LinkStatus describe_node(const LinkStatus& link, std::int64_t gone_at_us, const std::string& gone_reason,
                         std::int64_t now_us);

/// Seconds an idle inspector may sleep before some "Ns" text it shows
/// (a stale link's age, "last heard") reads a new whole second: for each
/// node heard from, the next whole second of its age plus a margin, so a
/// node streaming every second wakes the loop with data before this timer
/// fires (one frame a second, not two). At most 1.2 s; 1 s with no node heard.
double idle_wait_s(const std::vector<std::int64_t>& last_heard_us, std::int64_t now_us);

/// "connecting", "connected", "stale", "refused", "dropping" or "gone", for dumps and tests.
const char* link_state_name(LinkState state);

}  // namespace beamscope::gui
