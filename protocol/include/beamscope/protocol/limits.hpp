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
inline constexpr std::size_t kMaxCollectorLinks = 16;      // AgentStats.collectors (collector_endpoints)
inline constexpr std::size_t kMaxPeerAgents = 256;         // AgentStats.peer_agents (nodes() running an agent)
// Since 1.3: process pages, detail and actions (see processes.hpp).
inline constexpr std::size_t kMaxPageProcesses = 1000;     // ProcessesPage.rows, ProcessesRequest.limit
inline constexpr std::size_t kMaxNameFilter = 255;         // ProcessesRequest.name_filter, bytes
inline constexpr std::size_t kMaxDetailBytes = 256 * 1024; // a serialized ProcessDetail or ActionResult
inline constexpr std::size_t kMaxStackFrames = 128;        // ProcessDetail.stacktrace
inline constexpr std::size_t kMaxDetailRefs = 1000;        // links, monitors, monitored_by (each)
inline constexpr std::size_t kMaxDictionaryKeys = 256;     // ProcessDetail.dictionary_keys
inline constexpr std::size_t kMaxGcFields = 32;            // garbage_collection(_info) entries
inline constexpr std::size_t kMaxPeekMessages = 100;       // ActionRequest.count for MESSAGES
inline constexpr std::size_t kMaxStateText = 64 * 1024;    // ActionResult.text (STATE)
inline constexpr std::size_t kMaxMessageText = 2048;       // each of ActionResult.messages
inline constexpr std::size_t kMaxAlerts = 64;              // Alerts.active (since 1.3)
// HistoryAnswer.entries (since 1.5): 1024 entries at the string bounds stay under kMaxFrameBytes.
inline constexpr std::size_t kMaxLogEntries = 1024;

}  // namespace beamscope::protocol::limits
