// Protocol version of this build; readers accept any minor of their major.
#pragma once

#include <cstdint>

namespace beamscope::protocol {

inline constexpr std::uint32_t kVersionMajor = 1;
inline constexpr std::uint32_t kVersionMinor = 1;  // 1.1: tree, events, applications, monitor

}  // namespace beamscope::protocol
