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
inline constexpr std::size_t kMaxTreeNodes = 20000;        // per keyframe / delta
inline constexpr std::size_t kMaxTreeRemoved = 20000;
inline constexpr std::size_t kMaxModules = 16;             // per tree node
inline constexpr std::size_t kMaxRecentRestarts = 16;      // per tree node
inline constexpr std::size_t kMaxEvents = 512;             // per keyframe / delta
inline constexpr std::size_t kMaxApplications = 1024;
inline constexpr std::size_t kMaxPageChildren = 1000;      // per ChildrenPage
inline constexpr std::size_t kMaxRejectReasons = 16;       // AgentStats.stream_rejected

}  // namespace beamscope::protocol::limits
