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

namespace {
// Bodies of written frames kept, cleared, for the next copies: a copy into
// a cleared body reuses its rows and their strings (protobuf keeps cleared
// elements), where a fresh copy allocated every string of every row on the
// link's thread and freed it on the writer's (bench/ingest: the recorder's
// copy and free were about a seventh of the collector's CPU). Bounded by
// the rows they hold (~300 bytes a row): past it a body is freed as before.
constexpr std::size_t kSpareRowsAtMost = 16384;

// Rows a body keeps allocated once cleared: at most its arrays' capacity
// (a body reused for a smaller frame keeps the rows of a larger one).
std::size_t rows_of(const protocol::Envelope& env) {
  int n = 0;
  if (env.has_delta()) n = env.delta().upserted().Capacity() + env.delta().tree_upserted().Capacity();
  if (env.has_keyframe()) n = env.keyframe().processes().Capacity() + env.keyframe().tree().Capacity();
  return static_cast<std::size_t>(n);
}

// Cleared bodies of one kind, each with the rows it held (what its
// cleared elements keep allocated).
template <typename Body>
struct Spares {
  std::vector<std::pair<std::unique_ptr<Body>, std::size_t>> bodies;
  std::unique_ptr<Body> take(std::size_t& rows) {
    if (bodies.empty()) return nullptr;
    auto body = std::move(bodies.back().first);
    rows -= bodies.back().second;
    bodies.pop_back();
    return body;
  }
  void keep(std::unique_ptr<Body> body, std::size_t held, std::size_t& rows) {
    if (rows + held > kSpareRowsAtMost) return;  // freed
    rows += held;
    bodies.emplace_back(std::move(body), held);
  }
};
}  // namespace

struct Recorder::Impl {
  RecorderOptions opts;
  std::unique_ptr<recording::Writer> writer;  // the thread's alone once started
  std::thread thread;

  mutable std::mutex mutex;
  std::condition_variable wake;
  std::deque<protocol::Envelope> queue;
  std::size_t queued_bytes = 0;
  bool stopping = false;
  RecorderStats stats;  // under mutex
  Spares<v1::Delta> spare_deltas;        // under mutex
  Spares<v1::Keyframe> spare_keyframes;  // under mutex
  std::size_t spare_rows = 0;            // under mutex: rows the spares hold

  // Under mutex: false (and the frame counted as dropped) when it cannot be queued.
  bool admit(std::size_t bytes) {
    if (!stats.error.empty()) {
      ++stats.dropped_write_failed;
      return false;
    }
    if (stopping || queue.size() >= opts.queue_frames || queued_bytes + bytes > opts.queue_bytes) {
      if (stats.dropped_queue_full++ % 1000 == 0)
        spdlog::warn("recording {}: writer behind, {} frames dropped so far", opts.path, stats.dropped_queue_full);
      return false;
    }
    return true;
  }

  void push(protocol::Envelope env) {
    const std::size_t bytes = env.ByteSizeLong();
    std::lock_guard lock(mutex);
    if (!admit(bytes)) return;
    queued_bytes += bytes;
    queue.push_back(std::move(env));
    wake.notify_one();
  }

  // A copy of `src` queued, into a spare body when there is one. The copy
  // is made outside the lock; the queue's bounds are checked before it (no
  // copy of a frame that would be dropped) and again when it is queued.
  void push_copy(const protocol::Envelope& src) {
    const std::size_t bytes = src.ByteSizeLong();
    protocol::Envelope env;
    {
      std::lock_guard lock(mutex);
      if (!admit(bytes)) return;
      if (src.has_delta()) {
        if (auto body = spare_deltas.take(spare_rows)) env.set_allocated_delta(body.release());
      } else if (src.has_keyframe()) {
        if (auto body = spare_keyframes.take(spare_rows)) env.set_allocated_keyframe(body.release());
      }
    }
    env.MergeFrom(src);  // into a cleared body: a copy
    std::lock_guard lock(mutex);
    if (!admit(bytes)) {
      keep_spare(env);  // rare: the queue filled while it was copied
      return;
    }
    queued_bytes += bytes;
    queue.push_back(std::move(env));
    wake.notify_one();
  }

  // Under mutex: `env`'s body cleared into the spares (or freed).
  void keep_spare(protocol::Envelope& env) {
    const std::size_t rows = rows_of(env);
    if (env.has_delta()) {
      std::unique_ptr<v1::Delta> body(env.release_delta());
      body->Clear();
      spare_deltas.keep(std::move(body), rows, spare_rows);
    } else if (env.has_keyframe()) {
      std::unique_ptr<v1::Keyframe> body(env.release_keyframe());
      body->Clear();
      spare_keyframes.keep(std::move(body), rows, spare_rows);
    }
  }

  // After a batch is written: its bodies back to the spares. Cleared here,
  // outside the lock, on the writer's thread.
  void recycle(std::deque<protocol::Envelope>& batch) {
    std::vector<std::pair<std::unique_ptr<v1::Delta>, std::size_t>> deltas;
    std::vector<std::pair<std::unique_ptr<v1::Keyframe>, std::size_t>> keyframes;
    std::size_t rows = 0;
    for (auto& env : batch) {
      const std::size_t held = rows_of(env);
      if (rows + held > kSpareRowsAtMost) continue;  // freed with the batch
      rows += held;
      if (env.has_delta()) {
        deltas.emplace_back(env.release_delta(), held).first->Clear();
      } else if (env.has_keyframe()) {
        keyframes.emplace_back(env.release_keyframe(), held).first->Clear();
      }
    }
    batch.clear();
    std::lock_guard lock(mutex);
    for (auto& [body, held] : deltas) spare_deltas.keep(std::move(body), held, spare_rows);
    for (auto& [body, held] : keyframes) spare_keyframes.keep(std::move(body), held, spare_rows);
  }

  void run() {
    (void)::pthread_setname_np(::pthread_self(), "bs-record");  // its CPU apart in top and bench/ingest
    std::deque<protocol::Envelope> batch;
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
      for (const auto& env : batch) failed += writer->append(env, protocol::now_us()) ? 0 : 1;
      recycle(batch);
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

void Recorder::record(const protocol::Envelope& env) { impl_->push_copy(env); }

void Recorder::gone(const std::string& node, const std::string& reason) {
  protocol::Envelope env;
  env.set_version_major(protocol::kVersionMajor);
  env.set_version_minor(protocol::kVersionMinor);
  env.set_node(node);
  env.set_timestamp_us(protocol::now_us());
  env.mutable_node_gone()->set_reason(reason);
  impl_->push(std::move(env));
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
