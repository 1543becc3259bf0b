// beamscope-collector --record FILE: every node's stream, as the collector
// received it, written to a recording (recording/) by a thread of its own.
// The fan-in's threads only queue the frame they forward (shared, not
// copied): a slow disk drops frames (counted), never stalls a link.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <prometheus/collectable.h>

#include "beamscope.pb.h"
#include "beamscope/protocol/framing.hpp"
#include "beamscope/recording/writer.hpp"

namespace beamscope::collector {

struct RecorderOptions {
  std::string path;                   ///< --record FILE (appended to when it is a recording already)
  recording::WriterOptions writer;    ///< segments, flush interval
  std::size_t queue_frames = 8192;    ///< frames waiting for the writer at most
  std::size_t queue_bytes = 64u << 20;///< and their bytes at most; past either, frames are dropped and counted
};

struct RecorderStats {
  std::uint64_t frames_recorded = 0;
  std::uint64_t dropped_queue_full = 0;    ///< the writer fell behind
  std::uint64_t dropped_write_failed = 0;  ///< the file cannot be written (disk full, ...)
  std::uint64_t file_bytes = 0;
  std::uint64_t clock_backsteps = 0;
  std::string error;                       ///< the write error, once there is one
};

/// Usage:
///   auto rec = Recorder::start({.path = "fleet.bsrec"}, err, &note);
///   rec->record(frame);            // any thread, never blocks; frame: SharedEnvelope
///   rec->gone(node, reason);       // a node left: replays drop it too
///   rec->stop();                   // drains, flushes and closes the file
class Recorder {
 public:
  static std::unique_ptr<Recorder> start(const RecorderOptions& opts, std::string& error, std::string* note);
  ~Recorder();

  void record(protocol::SharedEnvelope env);
  void gone(const std::string& node, const std::string& reason);
  /// Writes what is queued, flushes and closes; later calls do nothing.
  void stop();
  RecorderStats stats() const;

  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

 private:
  struct Impl;
  explicit Recorder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// beamscope_collector_recording_* families; `rec` must outlive it.
std::shared_ptr<prometheus::Collectable> make_recorder_collectable(const Recorder& rec);

}  // namespace beamscope::collector
