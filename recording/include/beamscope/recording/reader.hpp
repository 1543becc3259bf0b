// Reads a recording (format.hpp): opens it by walking the chunk headers
// (a few microseconds a chunk), then rebuilds the fleet's state at any
// time by decoding one segment. Reads up to damage and says where it is;
// never trusts a length it has not checked against the file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "beamscope/protocol/node_model.hpp"
#include "beamscope/recording/format.hpp"

namespace beamscope::recording {

/// Where a recording stops being readable, and why.
struct Damage {
  std::uint64_t offset = 0;  ///< byte offset of the damaged chunk (or of the bytes past the last chunk)
  std::string what;          ///< e.g. "payload checksum mismatch"
  /// "damaged at offset 1234: payload checksum mismatch".
  std::string describe() const;
};

/// One chunk as the index knows it. Times are held never to go back (a
/// file whose clock did is still searched by arrival order).
struct ChunkEntry {
  std::uint64_t offset = 0;  ///< of its header
  ChunkHeader header;
  std::int64_t t_first_us = 0;
  std::int64_t t_last_us = 0;
  std::size_t segment_start = 0;  ///< index of the chunk that starts its segment
};

/// One decoded record, as handed to Reader::scan.
struct Record {
  RecordKind kind;
  std::int64_t time_us;        ///< never lower than the record before
  const protocol::Envelope& envelope;
};

/// The fleet rebuilt at a time.
struct ReplayState {
  protocol::FleetModel fleet{protocol::kLargestLimits};
  std::int64_t at_us = 0;            ///< the time asked for
  std::int64_t last_record_us = 0;   ///< time of the last record applied (0: none)
  std::uint64_t records_applied = 0; ///< records decoded and applied to get here
  std::optional<Damage> damage;      ///< met on the way: the state stops before it
};

/// Totals of a whole pass (Reader::scan).
struct ScanTotals {
  std::uint64_t frames = 0, checkpoints = 0, chunks = 0, segments = 0;
  std::uint64_t frame_bytes = 0, checkpoint_bytes = 0, raw_bytes = 0;
  std::uint64_t clock_backsteps = 0;
  std::uint64_t intact_end = 0;      ///< offset just past the last chunk that read whole
  std::int64_t last_time_us = 0;
  std::optional<Damage> damage;
};

/// Usage:
///   std::string err;
///   auto r = Reader::open("fleet.bsrec", err);
///   if (!r) die(err);                                  // missing, bad magic, other version
///   auto state = r->state_at(t);                        // INT64_MAX: the end
///   if (state.damage) warn(state.damage->describe());
class Reader {
 public:
  static std::unique_ptr<Reader> open(const std::string& path, std::string& error);
  ~Reader();

  const FileHeader& header() const { return header_; }
  const std::vector<ChunkEntry>& chunks() const { return chunks_; }
  std::uint64_t file_bytes() const { return file_bytes_; }
  /// Damage the header walk found (a torn or damaged chunk header, a
  /// payload running past the end); payload damage is found on reading.
  const std::optional<Damage>& index_damage() const { return index_damage_; }
  /// Times of the first and last record the index knows (0 when empty).
  std::int64_t first_us() const { return chunks_.empty() ? 0 : chunks_.front().t_first_us; }
  std::int64_t last_us() const { return chunks_.empty() ? 0 : chunks_.back().t_last_us; }

  /// Reads the chunks appended since open (or the last refresh), for a
  /// file still being written (the collector's own --record): a chunk
  /// being written ends the index until it is whole. True when it grew.
  bool refresh();

  /// Every node's state after the last record at or before `t_us`:
  /// decodes the one segment holding it.
  ReplayState state_at(std::int64_t t_us);
  /// Decodes every chunk in order, handing each record to `each` (which
  /// returns false to stop); stops at the first damage.
  ScanTotals scan(const std::function<bool(const Record&)>& each);

  /// The chunk that starts the segment holding `t_us` (the first segment
  /// for a time before it); chunks() must not be empty.
  std::size_t segment_at(std::int64_t t_us) const;
  /// scan() over one segment (`start`: the chunk that starts it), records
  /// undecoded: a reader after a few fields parses only those.
  ScanTotals scan_segment(std::size_t start, const std::function<bool(const RecordView&)>& each);

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

 private:
  struct Decoder;
  Reader();
  // Indexes the chunk headers from offset `at` to the end of the file.
  void walk_chunks(std::uint64_t at);
  // Decodes chunk i (its segment's earlier chunks must have been fed to
  // `dec` first) into raw record bytes; the damage, or nullopt.
  std::optional<Damage> decode_chunk(std::size_t i, Decoder& dec, std::string& raw);
  // Replays the segment of chunk `last` up to t_us, stopping at damage.
  ReplayState replay_segment(std::size_t last, std::int64_t t_us);
  // scan() over chunks [begin, end); begin starts a segment.
  ScanTotals scan_chunks(std::size_t begin, std::size_t end, const std::function<bool(const RecordView&)>& each);

  int fd_ = -1;
  std::string path_;
  FileHeader header_;
  std::uint64_t file_bytes_ = 0;
  std::vector<ChunkEntry> chunks_;
  std::optional<Damage> index_damage_;
};

}  // namespace beamscope::recording
