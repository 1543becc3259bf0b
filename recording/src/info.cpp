// One full pass over a recording, counted per node (see info.hpp).
#include "beamscope/recording/info.hpp"

namespace beamscope::recording {

RecordingInfo inspect(Reader& reader) {
  RecordingInfo info;
  info.format_version = reader.header().version;
  info.created_at_us = reader.header().created_at_us;
  info.file_bytes = reader.file_bytes();
  bool first = true;
  info.totals = reader.scan([&](const Record& r) {
    if (first) info.first_us = r.time_us;
    first = false;
    if (r.kind != RecordKind::kFrame) return true;
    NodeInfo& n = info.nodes[r.envelope.node()];
    if (n.frames++ == 0) n.first_us = r.time_us;
    n.last_us = r.time_us;
    n.keyframes += r.envelope.has_keyframe();
    n.deltas += r.envelope.has_delta();
    n.gone += r.envelope.has_node_gone();
    return true;
  });
  info.last_us = info.totals.chunks ? info.totals.last_time_us : 0;
  return info;
}

}  // namespace beamscope::recording
