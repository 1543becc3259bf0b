// The collector's recording thread (see recorder.hpp).
#include "beamscope/collector/recorder.hpp"

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "beamscope/exporters/family_set.hpp"
#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/version.hpp"

namespace beamscope::collector {

struct Recorder::Impl {
  RecorderOptions opts;
  std::unique_ptr<recording::Writer> writer;  // the thread's alone once started
  std::thread thread;

  mutable std::mutex mutex;
  std::condition_variable wake;
  // The frames the server sends, shared with it: queuing one copies
  // nothing (a copy of every frame on the links' threads, and its free on
  // this one, were about a seventh of the collector's CPU: bench/ingest).
  std::deque<protocol::SharedEnvelope> queue;
  std::size_t queued_bytes = 0;
  bool stopping = false;
  RecorderStats stats;  // under mutex

  void push(protocol::SharedEnvelope env) {
    const std::size_t bytes = env->ByteSizeLong();
    std::lock_guard lock(mutex);
    if (!stats.error.empty()) {
      ++stats.dropped_write_failed;
      return;
    }
    if (stopping || queue.size() >= opts.queue_frames || queued_bytes + bytes > opts.queue_bytes) {
      if (stats.dropped_queue_full++ % 1000 == 0)
        spdlog::warn("recording {}: writer behind, {} frames dropped so far", opts.path, stats.dropped_queue_full);
      return;
    }
    queued_bytes += bytes;
    queue.push_back(std::move(env));
    wake.notify_one();
  }

  void run() {
    (void)::pthread_setname_np(::pthread_self(), "bs-record");  // its CPU apart in top and bench/ingest
    std::deque<protocol::SharedEnvelope> batch;
    for (;;) {
      bool last = false;
      {
        std::unique_lock lock(mutex);
        // A tick at least every 100 ms, so a chunk is written within the
        // flush interval even when no frame comes.
        wake.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping || !queue.empty(); });
        batch.swap(queue);
        queued_bytes = 0;
        last = stopping;
      }
      std::uint64_t failed = 0;
      for (const auto& env : batch) failed += writer->append(*env, protocol::now_us()) ? 0 : 1;
      batch.clear();
      writer->tick(protocol::now_us());
      if (last) writer->close();
      std::lock_guard lock(mutex);
      const auto& ws = writer->stats();
      stats.frames_recorded = ws.frames;
      stats.file_bytes = ws.file_bytes;
      stats.clock_backsteps = ws.clock_backsteps;
      if (!writer->error().empty() && stats.error.empty()) {
        stats.error = writer->error();
        spdlog::error("recording stopped: {}", stats.error);
      }
      stats.dropped_write_failed += failed;
      if (last) return;
    }
  }
};

Recorder::Recorder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<Recorder> Recorder::start(const RecorderOptions& opts, std::string& error, std::string* note) {
  auto impl = std::make_unique<Impl>();
  impl->opts = opts;
  impl->writer = recording::Writer::open(opts.path, opts.writer, error, note);
  if (!impl->writer) return nullptr;
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<Recorder>(new Recorder(std::move(impl)));
}

Recorder::~Recorder() { stop(); }

void Recorder::record(protocol::SharedEnvelope env) { impl_->push(std::move(env)); }

void Recorder::gone(const std::string& node, const std::string& reason) {
  protocol::Envelope env;
  env.set_version_major(protocol::kVersionMajor);
  env.set_version_minor(protocol::kVersionMinor);
  env.set_node(node);
  env.set_timestamp_us(protocol::now_us());
  env.mutable_node_gone()->set_reason(reason);
  impl_->push(std::make_shared<const protocol::Envelope>(std::move(env)));
}

void Recorder::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    impl_->wake.notify_one();
  }
  if (impl_->thread.joinable()) impl_->thread.join();
}

RecorderStats Recorder::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

namespace {

using exporters::MetricSpec;
using prometheus::MetricType;

constexpr MetricSpec kFrames{"beamscope_collector_recording_frames_total",
                             "Frames written to the --record file (keyframes, deltas, nodes gone).",
                             MetricType::Counter};
constexpr MetricSpec kDropped{"beamscope_collector_recording_dropped_total",
                              "Frames not recorded, by reason: queue_full (the writer fell behind) or write_failed.",
                              MetricType::Counter};
constexpr MetricSpec kBytes{"beamscope_collector_recording_bytes", "Size of the --record file.", MetricType::Gauge};
constexpr MetricSpec kBacksteps{"beamscope_collector_recording_clock_backsteps_total",
                                "Times the wall clock went back while recording (times held at the newest).",
                                MetricType::Counter};
constexpr MetricSpec kFailed{"beamscope_collector_recording_failed",
                             "1 once writing the --record file failed (the log says why), else 0.", MetricType::Gauge};

class RecorderCollectable final : public prometheus::Collectable {
 public:
  explicit RecorderCollectable(const Recorder& rec) : rec_(rec) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    const auto s = rec_.stats();
    exporters::FamilySet set;
    exporters::NodeScope scope(set, {});
    scope.counter(kFrames, static_cast<double>(s.frames_recorded));
    scope.counter(kDropped, static_cast<double>(s.dropped_queue_full), {{"reason", "queue_full"}});
    scope.counter(kDropped, static_cast<double>(s.dropped_write_failed), {{"reason", "write_failed"}});
    scope.gauge(kBytes, static_cast<double>(s.file_bytes));
    scope.counter(kBacksteps, static_cast<double>(s.clock_backsteps));
    scope.gauge(kFailed, s.error.empty() ? 0 : 1);
    return set.take();
  }

 private:
  const Recorder& rec_;
};

}  // namespace

std::shared_ptr<prometheus::Collectable> make_recorder_collectable(const Recorder& rec) {
  return std::make_shared<RecorderCollectable>(rec);
}

}  // namespace beamscope::collector
