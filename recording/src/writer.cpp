// Recording writer (see writer.hpp). A segment's chunks share one zstd
// stream (flushed, never ended, at each chunk), so a chunk of a second of
// deltas still compresses against the segment's checkpoint.
#include "beamscope/recording/writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/version.hpp"
#include "beamscope/recording/reader.hpp"

namespace beamscope::recording {

namespace {
// A segment also ends past this many record bytes, so a clock held back
// (or a flood) cannot make one segment, and so one seek, unbounded.
constexpr std::uint64_t kMaxSegmentRaw = 64u << 20;

std::string errno_text() { return std::strerror(errno); }
}  // namespace

struct Writer::Zstd {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::uint64_t segment_raw = 0;
  std::int64_t pending_since = 0;  // steady clock (us) of the pending chunk's first record
  ~Zstd() { ZSTD_freeCCtx(cctx); }
};

namespace {
std::int64_t steady_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

std::unique_ptr<Writer> Writer::open(const std::string& path, const WriterOptions& opts, std::string& error,
                                     std::string* note) {
  std::unique_ptr<Writer> w(new Writer());
  w->opts_ = opts;
  w->path_ = path;
  w->zstd_ = std::make_unique<Zstd>();
  if (!w->zstd_->cctx || ZSTD_isError(ZSTD_CCtx_setParameter(w->zstd_->cctx, ZSTD_c_compressionLevel, opts.zstd_level))) {
    error = "zstd: cannot make a compression context at level " + std::to_string(opts.zstd_level);
    return nullptr;
  }
  struct stat st{};
  const bool existing = ::stat(path.c_str(), &st) == 0 && st.st_size > 0;
  if (existing) {
    // Append after the last chunk that reads whole: a collector restarted
    // with the same --record (after a crash, too) goes on with the file.
    std::string why;
    auto reader = Reader::open(path, why);
    if (!reader) {
      error = path + ": cannot append to it: " + why;
      return nullptr;
    }
    const ScanTotals totals = reader->scan([](const Record&) { return true; });
    w->fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (w->fd_ < 0 || ::ftruncate(w->fd_, static_cast<off_t>(totals.intact_end)) != 0 ||
        ::lseek(w->fd_, 0, SEEK_END) < 0) {
      error = path + ": cannot append to it: " + errno_text();
      return nullptr;
    }
    w->next_frame_ = totals.frames;
    if (totals.chunks) w->last_time_ = totals.last_time_us;
    w->stats_.file_bytes = totals.intact_end;
    if (note) {
      *note = "appending to " + path + " after " + std::to_string(totals.frames) + " frames";
      if (totals.damage) *note += "; cut off what was " + totals.damage->describe();
    }
    return w;
  }
  w->fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd_ < 0) {
    error = path + ": cannot create: " + errno_text();
    return nullptr;
  }
  if (!w->write_all(encode_file_header({.version = kFormatVersion, .created_at_us = protocol::now_us()}))) {
    error = w->error_;
    return nullptr;
  }
  if (note) *note = "recording to new file " + path;
  return w;
}

Writer::~Writer() { close(); }

bool Writer::write_all(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = path_ + ": write failed: " + errno_text();
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  stats_.file_bytes += bytes.size();
  return true;
}

void Writer::add(RecordKind kind, std::int64_t t, const std::string& bytes) {
  if (pending_header_.records == 0) {
    pending_header_.t_first_us = t;
    pending_header_.first_frame = next_frame_;
    zstd_->pending_since = steady_us();
  }
  pending_header_.t_last_us = t;
  ++pending_header_.records;
  append_record(pending_, kind, t, bytes);
}

void Writer::start_segment(std::int64_t t) {
  flush();
  if (segment_open_) ::fdatasync(fd_);  // one sync a segment: cheap, and bounds a power cut's loss too
  ZSTD_CCtx_reset(zstd_->cctx, ZSTD_reset_session_only);
  zstd_->segment_raw = 0;
  segment_open_ = true;
  segment_start_ = t;
  ++stats_.segments;
  pending_header_.flags = kSegmentStart;
  for (const auto& [name, node] : model_.nodes()) {
    if (!node.has_state()) continue;
    protocol::Envelope kf;
    kf.set_version_major(protocol::kVersionMajor);
    kf.set_version_minor(protocol::kVersionMinor);
    kf.set_node(name);
    kf.set_seq(node.seq());
    kf.set_timestamp_us(node.updated_us());
    *kf.mutable_keyframe() = *node.snapshot();
    const std::string bytes = kf.SerializeAsString();
    add(RecordKind::kCheckpoint, t, bytes);
    ++stats_.checkpoints;
    stats_.checkpoint_bytes += bytes.size();
  }
}

bool Writer::append(const protocol::Envelope& env, std::int64_t now_us) {
  if (fd_ < 0 || !error_.empty()) return false;
  if (now_us < last_time_) {
    ++stats_.clock_backsteps;
    ++pending_header_.clock_backsteps;
  }
  const std::int64_t t = std::max(now_us, last_time_);
  last_time_ = t;
  if (!segment_open_ || t - segment_start_ >= opts_.segment_us || zstd_->segment_raw >= kMaxSegmentRaw)
    start_segment(t);
  else
    tick(now_us);
  const std::string bytes = env.SerializeAsString();
  add(RecordKind::kFrame, t, bytes);
  ++next_frame_;
  ++stats_.frames;
  stats_.frame_bytes += bytes.size();
  if (env.has_node_gone())
    model_.erase(env.node());
  else
    model_.apply(env);
  if (pending_.size() >= opts_.max_chunk_raw) flush();
  return error_.empty();
}

bool Writer::tick(std::int64_t now_us) {
  if (pending_header_.records == 0) return error_.empty();
  // Due by the records' own times (a generated file) or by the steady
  // clock (a wall clock held back must not hold chunks back).
  if (now_us - pending_header_.t_first_us >= opts_.flush_us || steady_us() - zstd_->pending_since >= opts_.flush_us)
    return flush();
  return error_.empty();
}

bool Writer::flush() {
  if (fd_ < 0 || !error_.empty()) return false;
  if (pending_header_.records == 0) return true;
  std::string payload;
  ZSTD_inBuffer in{pending_.data(), pending_.size(), 0};
  std::size_t left = 0;
  do {
    const std::size_t at = payload.size();
    payload.resize(at + ZSTD_CStreamOutSize());
    ZSTD_outBuffer out{payload.data() + at, payload.size() - at, 0};
    left = ZSTD_compressStream2(zstd_->cctx, &out, &in, ZSTD_e_flush);
    if (ZSTD_isError(left)) {
      error_ = std::string("zstd: ") + ZSTD_getErrorName(left);
      return false;
    }
    payload.resize(at + out.pos);
  } while (left != 0 || in.pos < in.size);
  ChunkHeader h = pending_header_;
  h.payload_bytes = static_cast<std::uint32_t>(payload.size());
  h.raw_bytes = static_cast<std::uint32_t>(pending_.size());
  h.payload_crc = crc32(payload);
  // One write: a kill leaves the chunk whole or torn, and the reader
  // stops at a torn one.
  if (!write_all(encode_chunk_header(h) + payload)) return false;
  zstd_->segment_raw += pending_.size();
  ++stats_.chunks;
  pending_.clear();
  pending_header_ = ChunkHeader{};
  return true;
}

void Writer::close() {
  if (fd_ < 0) return;
  flush();
  ::fdatasync(fd_);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace beamscope::recording
