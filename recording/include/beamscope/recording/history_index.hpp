// Every node's ticks in a recording, so a replay can hand its viewer the
// History a live one is sent after the keyframe (the charts start full at
// any time shown). A segment is decoded once and its ticks kept (176 bytes
// each: an hour of 20 nodes is ~12 MiB), up to kMaxBytes; past that, the
// segments a query does not need are dropped. Not thread-safe: one owner.
//   HistoryIndex index(reader);
//   for (auto s : index.missing(t - hour, t)) index.add(s, t - hour, t);
//   for (auto& [node, h] : index.histories(t - hour, t)) viewer.backfill(node, h);
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "beamscope.pb.h"
#include "beamscope/protocol/history_series.hpp"
#include "beamscope/recording/reader.hpp"

namespace beamscope::recording {

/// Whose clock a tick read from a recording is stamped with: the record's
/// (a replay's timeline, never going back) or the producer's (as a live
/// collector keeps it: Envelope.timestamp_us).
enum class TickTime : std::uint8_t { kRecord, kProducer };

/// Every tick of the segment starting at chunk `start`, in record order:
/// each frame's gauges (and, in the file's first segment, each
/// checkpoint's: the writer may have known a node before the file began),
/// with the node's mailbox sum held from its earlier frames. `each(node,
/// tick, record_us)`. Damage ends the segment's ticks.
void scan_ticks(Reader& reader, std::size_t start, TickTime time,
                const std::function<void(const std::string& node, const protocol::GaugeSample& tick,
                                         std::int64_t record_us)>& each);

class HistoryIndex {
 public:
  static constexpr std::size_t kMaxBytes = std::size_t{64} << 20;

  explicit HistoryIndex(Reader& reader) : reader_(reader) {}

  /// The segments (their first chunk) holding records within [from_us,
  /// to_us] that are not indexed yet, newest first.
  std::vector<std::size_t> missing(std::int64_t from_us, std::int64_t to_us) const;
  /// Decodes segment `start` and keeps its ticks; over kMaxBytes, drops
  /// segments outside [from_us, to_us]. Damage ends the segment's ticks.
  void add(std::size_t start, std::int64_t from_us, std::int64_t to_us);
  /// Every node's ticks within [from_us, to_us] (the newest
  /// kMaxHistorySamples), as the agent's ring and the collector build a
  /// History: a tick per new node uptime, stamped with the recording's
  /// time. Segments not indexed are left out. With `only`, that node's
  /// alone (a collector answering one node's charts).
  std::map<std::string, v1::History> histories(std::int64_t from_us, std::int64_t to_us,
                                               std::string_view only = {}) const;

  /// Drops the segments from chunk `start` on: a file still being written
  /// (Reader::refresh) has grown its last segment since it was indexed.
  void forget_from(std::size_t start);

  std::size_t bytes() const { return bytes_; }
  std::size_t segments() const { return segments_.size(); }

 private:
  using Ticks = std::map<std::string, std::vector<protocol::GaugeSample>>;
  std::vector<std::size_t> segments_within(std::int64_t from_us, std::int64_t to_us) const;
  void make_room(std::int64_t from_us, std::int64_t to_us);

  Reader& reader_;
  std::map<std::size_t, Ticks> segments_;  ///< by first chunk
  std::map<std::size_t, std::size_t> segment_bytes_;
  std::size_t bytes_ = 0;
};

}  // namespace beamscope::recording
