// Writes a recording (format.hpp): every frame as received, a checkpoint of
// every node at each segment start, a chunk on disk at least every
// flush_us. Not thread-safe: one owner thread (the collector's recorder).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "beamscope/protocol/node_model.hpp"
#include "beamscope/recording/format.hpp"

namespace beamscope::recording {

struct WriterOptions {
  std::int64_t segment_us = 20'000'000;  ///< a checkpoint this often: a seek decodes at most this much (60 s: 190 ms at 20 nodes)
  std::int64_t flush_us = 500'000;       ///< a chunk reaches the file this often (a kill loses at most this)
  int zstd_level = 3;
  std::size_t max_chunk_raw = 8u << 20;  ///< a chunk is written early past this many record bytes
};

struct WriterStats {
  std::uint64_t frames = 0;           ///< frames recorded
  std::uint64_t frame_bytes = 0;      ///< their Envelope bytes (the stream as received)
  std::uint64_t checkpoints = 0;      ///< keyframes built at segment starts
  std::uint64_t checkpoint_bytes = 0;
  std::uint64_t chunks = 0;
  std::uint64_t segments = 0;
  std::uint64_t file_bytes = 0;       ///< size of the file, headers included
  std::uint64_t clock_backsteps = 0;  ///< times the wall clock went back (held at the newest time)
};

/// Usage:
///   std::string err;
///   auto w = Writer::open("fleet.bsrec", {}, err);   // creates, or appends after the last intact chunk
///   w->append(env, protocol::now_us());              // each received keyframe, delta, node_gone
///   w->tick(protocol::now_us());                     // at least every flush_us
///   w->close();
class Writer {
 public:
  /// Creates `path`, or appends to an existing recording after its last
  /// intact chunk (damage past it is cut off and said in `note`). nullptr
  /// and `error` set when the file cannot be made or is not a recording.
  static std::unique_ptr<Writer> open(const std::string& path, const WriterOptions& opts, std::string& error,
                                      std::string* note = nullptr);
  ~Writer();

  /// Records `env` at `now_us` (the writer's wall clock), writing the
  /// pending chunk first when it is due. False once a write failed (error()).
  bool append(const protocol::Envelope& env, std::int64_t now_us);
  /// Writes the pending chunk when flush_us has passed since the last one.
  bool tick(std::int64_t now_us);
  /// Writes the pending chunk now.
  bool flush();
  /// Flushes, syncs and closes; later calls do nothing.
  void close();

  const std::string& error() const { return error_; }
  const WriterStats& stats() const { return stats_; }

  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

 private:
  struct Zstd;
  Writer() = default;
  void start_segment(std::int64_t t);
  void add(RecordKind kind, std::int64_t t, const std::string& bytes);
  bool write_all(const std::string& bytes);

  WriterOptions opts_;
  int fd_ = -1;
  std::string path_;
  std::string error_;
  WriterStats stats_;
  std::unique_ptr<Zstd> zstd_;
  protocol::FleetModel model_{protocol::kLargestLimits};

  std::int64_t last_time_ = INT64_MIN;     // clock held here: times never go back
  std::int64_t segment_start_ = INT64_MIN; // time of the open segment's first record
  bool segment_open_ = false;
  std::int64_t last_flush_ = INT64_MIN;
  std::uint64_t next_frame_ = 0;           // arrival index of the next frame

  // The chunk being filled.
  std::string pending_;
  ChunkHeader pending_header_;
};

}  // namespace beamscope::recording
