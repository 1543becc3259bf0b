// Bounds every decoded frame must respect. A frame past any bound is
// rejected whole: a viewer never trusts a peer to be reasonable.
#pragma once

#include <cstddef>

namespace beamscope::protocol::limits {

inline constexpr std::size_t kMaxFrameBytes = 8u << 20;     // 8 MiB
inline constexpr std::size_t kMaxNodeName = 255;
inline constexpr std::size_t kMaxString = 512;              // any other string
inline constexpr std::size_t kMaxProcesses = 4096;          // per keyframe / delta
inline constexpr std::size_t kMaxRemoved = 8192;
inline constexpr std::size_t kMaxSchedulers = 1024;
inline constexpr std::size_t kMaxHistogramBuckets = 64;

}  // namespace beamscope::protocol::limits
