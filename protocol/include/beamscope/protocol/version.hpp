// Protocol version of this build; readers accept any minor of their major.
#pragma once

#include <cstdint>

namespace beamscope::protocol {

inline constexpr std::uint32_t kVersionMajor = 1;
inline constexpr std::uint32_t kVersionMinor = 7;  // 1.1: tree, events, applications, monitor;
                                                   // 1.2: children pages on request, Refused;
                                                   // 1.3: process pages and detail, actions,
                                                   //      alerts, history;
                                                   // 1.4: Announce (agents dial collectors);
                                                   // 1.5: a collector's alert and tree change logs;
                                                   // 1.6: a node's state at a time, from a
                                                   //      recording collector;
                                                   // 1.7: every node's state at a time, at once

}  // namespace beamscope::protocol
