// A restarted collector's last hour from its recording; see history_restore.hpp.
#include "beamscope/collector/history_restore.hpp"

#include <map>
#include <vector>

#include "beamscope/protocol/history_series.hpp"
#include "beamscope/recording/history_index.hpp"
#include "beamscope/recording/reader.hpp"

namespace beamscope::collector {

RestoreStats restore_history(const std::string& path, HistoryStore& store, std::int64_t now_us,
                             std::int64_t window_us, std::stop_token stop) {
  RestoreStats out;
  auto reader = recording::Reader::open(path, out.error);
  if (!reader || reader->chunks().empty()) return out;
  const std::int64_t from = now_us - window_us;
  const auto& chunks = reader->chunks();
  std::map<std::string, std::vector<protocol::GaugeSample>> ticks;  // per node, in recording order
  for (std::size_t i = reader->segment_at(from); i < chunks.size() && !stop.stop_requested(); ++i) {
    if (chunks[i].segment_start != i) continue;  // one scan a segment, from its first chunk
    ++out.segments;
    recording::scan_ticks(*reader, i, recording::TickTime::kProducer,
                          [&](const std::string& node, const protocol::GaugeSample& s, std::int64_t record_us) {
                            if (record_us >= from) ticks[node].push_back(s);
                          });
  }
  if (stop.stop_requested()) return out;
  for (const auto& [node, samples] : ticks) {
    store.restore(node, samples);
    ++out.nodes;
    out.ticks += samples.size();
  }
  return out;
}

}  // namespace beamscope::collector
