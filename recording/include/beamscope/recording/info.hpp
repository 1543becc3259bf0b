// What a recording holds, from one full pass (beamscope-ctl recording info).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "beamscope/recording/reader.hpp"

namespace beamscope::recording {

struct NodeInfo {
  std::uint64_t frames = 0, keyframes = 0, deltas = 0, gone = 0;
  std::int64_t first_us = 0, last_us = 0;  ///< times of its first and last frame
};

struct RecordingInfo {
  std::uint32_t format_version = 0;
  std::int64_t created_at_us = 0;
  std::int64_t first_us = 0, last_us = 0;  ///< time range of what reads whole
  std::uint64_t file_bytes = 0;
  ScanTotals totals;                       ///< frames, bytes, chunks, segments, damage
  std::map<std::string, NodeInfo> nodes;
};

/// Reads every chunk (checksums, decompression, records) up to the first damage.
RecordingInfo inspect(Reader& reader);

}  // namespace beamscope::recording
