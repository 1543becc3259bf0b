// Recording reader (see reader.hpp).
#include "beamscope/recording/reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>

#include "beamscope/protocol/framing.hpp"

namespace beamscope::recording {

std::string Damage::describe() const { return "damaged at offset " + std::to_string(offset) + ": " + what; }

struct Reader::Decoder {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ~Decoder() { ZSTD_freeDCtx(dctx); }
  void reset() { ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only); }
};

Reader::Reader() = default;
Reader::~Reader() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

bool read_at(int fd, std::uint64_t offset, std::size_t n, std::string& out) {
  out.resize(n);
  std::size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, out.data() + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    done += static_cast<std::size_t>(got);
  }
  out.resize(done);
  return done == n;
}

}  // namespace

std::unique_ptr<Reader> Reader::open(const std::string& path, std::string& error) {
  std::unique_ptr<Reader> r(new Reader());
  r->path_ = path;
  r->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st{};
  if (r->fd_ < 0 || ::fstat(r->fd_, &st) != 0) {
    error = path + ": " + std::strerror(errno);
    return nullptr;
  }
  if (!S_ISREG(st.st_mode)) {
    error = path + ": not a regular file";
    return nullptr;
  }
  r->file_bytes_ = static_cast<std::uint64_t>(st.st_size);
  std::string bytes;
  read_at(r->fd_, 0, kFileHeaderBytes, bytes);
  std::string why;
  auto header = decode_file_header(bytes, why);
  if (!header) {
    error = path + ": " + why;
    return nullptr;
  }
  r->header_ = *header;

  r->walk_chunks(kFileHeaderBytes);
  return r;
}

// The header walk: one small read a chunk; each length is checked against
// the file before it is trusted. Continues the index from `at`.
void Reader::walk_chunks(std::uint64_t at) {
  std::string bytes, why;
  std::int64_t held = chunks_.empty() ? INT64_MIN : chunks_.back().t_last_us;
  std::size_t segment_start = chunks_.empty() ? 0 : chunks_.back().segment_start;
  bool have_segment = !chunks_.empty();
  while (at < file_bytes_) {
    read_at(fd_, at, kChunkHeaderBytes, bytes);
    auto h = decode_chunk_header(bytes, why);
    if (!h) {
      index_damage_ = Damage{at, why};
      break;
    }
    if (at + kChunkHeaderBytes + h->payload_bytes > file_bytes_) {
      index_damage_ = Damage{at, "truncated chunk: " + std::to_string(h->payload_bytes) + " payload bytes announced, " +
                                     std::to_string(file_bytes_ - at - kChunkHeaderBytes) + " in the file"};
      break;
    }
    if (!have_segment && !(h->flags & kSegmentStart)) {
      index_damage_ = Damage{at, "first chunk does not start a segment"};
      break;
    }
    ChunkEntry e;
    e.offset = at;
    e.header = *h;
    e.t_first_us = std::max(h->t_first_us, held);
    e.t_last_us = std::max(h->t_last_us, e.t_first_us);
    held = e.t_last_us;
    if (h->flags & kSegmentStart) segment_start = chunks_.size();
    have_segment = true;
    e.segment_start = segment_start;
    chunks_.push_back(e);
    at += kChunkHeaderBytes + h->payload_bytes;
  }
}

bool Reader::refresh() {
  struct stat st{};
  if (::fstat(fd_, &st) != 0 || static_cast<std::uint64_t>(st.st_size) <= file_bytes_) return false;
  const std::size_t before = chunks_.size();
  // A chunk being written when the file was last read ends the index as
  // "damage"; read it again now that more of it may be there.
  const std::uint64_t at = chunks_.empty() ? kFileHeaderBytes
                                           : chunks_.back().offset + kChunkHeaderBytes + chunks_.back().header.payload_bytes;
  file_bytes_ = static_cast<std::uint64_t>(st.st_size);
  index_damage_.reset();
  walk_chunks(at);
  return chunks_.size() != before;
}

std::optional<Damage> Reader::decode_chunk(std::size_t i, Decoder& dec, std::string& raw) {
  const ChunkEntry& e = chunks_[i];
  std::string payload;
  if (!read_at(fd_, e.offset + kChunkHeaderBytes, e.header.payload_bytes, payload))
    return Damage{e.offset, "chunk payload cannot be read (file shrank?)"};
  if (crc32(payload) != e.header.payload_crc) return Damage{e.offset, "payload checksum mismatch"};
  if (e.header.flags & kSegmentStart) dec.reset();
  raw.resize(e.header.raw_bytes);
  ZSTD_inBuffer in{payload.data(), payload.size(), 0};
  ZSTD_outBuffer out{raw.data(), raw.size(), 0};
  while (in.pos < in.size) {
    const std::size_t before_in = in.pos, before_out = out.pos;
    const std::size_t ret = ZSTD_decompressStream(dec.dctx, &out, &in);
    if (ZSTD_isError(ret)) return Damage{e.offset, std::string("payload does not decompress: ") + ZSTD_getErrorName(ret)};
    if (in.pos == before_in && out.pos == before_out) break;  // output full: more than raw_bytes
  }
  if (out.pos == out.size) {
    // Nothing may be left inside the decoder once the announced bytes are out.
    char probe = 0;
    ZSTD_outBuffer extra{&probe, 1, 0};
    ZSTD_inBuffer none{nullptr, 0, 0};
    const std::size_t ret = ZSTD_decompressStream(dec.dctx, &extra, &none);
    if (!ZSTD_isError(ret) && extra.pos != 0) return Damage{e.offset, "payload decodes to more bytes than announced"};
  }
  if (in.pos != in.size || out.pos != out.size)
    return Damage{e.offset, "payload decodes to " + std::to_string(out.pos) + " bytes, " +
                                std::to_string(e.header.raw_bytes) + " announced"};
  return std::nullopt;
}

namespace {

// Walks one chunk's records; false with `damage` set when they do not add
// up to what the header says.
template <typename Each>
bool walk_records(const ChunkEntry& e, const std::string& raw, std::int64_t& held, std::optional<Damage>& damage,
                  Each&& each) {
  std::size_t pos = 0;
  std::uint32_t n = 0;
  while (pos < raw.size()) {
    auto rec = next_record(raw, pos);
    if (!rec) {
      damage = Damage{e.offset, "record " + std::to_string(n) + " of the chunk is malformed"};
      return false;
    }
    ++n;
    held = std::max(held, rec->time_us);
    rec->time_us = held;
    if (!each(*rec)) return true;
  }
  if (n != e.header.records) {
    damage = Damage{e.offset, std::to_string(n) + " records, " + std::to_string(e.header.records) + " announced"};
    return false;
  }
  return true;
}

}  // namespace

ReplayState Reader::state_at(std::int64_t t_us) {
  ReplayState state;
  state.at_us = t_us;
  if (chunks_.empty()) state.damage = index_damage_;
  if (chunks_.empty() || t_us < chunks_.front().t_first_us) return state;
  // The last chunk whose first record is at or before t: its segment holds t.
  auto it = std::upper_bound(chunks_.begin(), chunks_.end(), t_us,
                             [](std::int64_t t, const ChunkEntry& e) { return t < e.t_first_us; });
  std::size_t last = static_cast<std::size_t>(it - chunks_.begin()) - 1;
  std::optional<Damage> met;
  if (last + 1 == chunks_.size()) met = index_damage_;
  for (;;) {
    ReplayState s = replay_segment(last, t_us);
    if (!s.damage || s.records_applied > 0 || chunks_[last].segment_start == 0) {
      if (!s.damage) s.damage = met;
      return s;
    }
    // The segment's start is damaged: the state just before it is the
    // previous segment's end.
    met = s.damage;
    last = chunks_[last].segment_start - 1;
  }
}

ReplayState Reader::replay_segment(std::size_t last, std::int64_t t_us) {
  ReplayState state;
  state.at_us = t_us;
  Decoder dec;
  std::string raw;
  std::int64_t held = chunks_[chunks_[last].segment_start].t_first_us;
  for (std::size_t i = chunks_[last].segment_start; i <= last; ++i) {
    if (auto damage = decode_chunk(i, dec, raw)) {
      state.damage = damage;
      return state;
    }
    bool past = false;
    const bool ok = walk_records(chunks_[i], raw, held, state.damage, [&](const RecordView& rec) {
      if (rec.time_us > t_us) {
        past = true;
        return false;
      }
      auto env = protocol::decode(rec.envelope);
      if (auto* e = std::get_if<protocol::Envelope>(&env)) {
        if (e->has_node_gone())
          state.fleet.erase(e->node());
        else
          state.fleet.apply(*e);
      }
      state.last_record_us = rec.time_us;
      ++state.records_applied;
      return true;
    });
    if (!ok || past) return state;
  }
  return state;
}

ScanTotals Reader::scan(const std::function<bool(const Record&)>& each) {
  return scan_chunks(0, chunks_.size(), [&](const RecordView& rec) {
    auto env = protocol::decode(rec.envelope);
    auto* parsed = std::get_if<protocol::Envelope>(&env);
    return !parsed || each(Record{rec.kind, rec.time_us, *parsed});
  });
}

std::size_t Reader::segment_at(std::int64_t t_us) const {
  auto it = std::upper_bound(chunks_.begin(), chunks_.end(), t_us,
                             [](std::int64_t t, const ChunkEntry& e) { return t < e.t_first_us; });
  return it == chunks_.begin() ? 0 : std::prev(it)->segment_start;
}

ScanTotals Reader::scan_segment(std::size_t start, const std::function<bool(const RecordView&)>& each) {
  std::size_t end = start + 1;
  while (end < chunks_.size() && chunks_[end].segment_start == start) ++end;
  return scan_chunks(start, std::min(end, chunks_.size()), each);
}

ScanTotals Reader::scan_chunks(std::size_t begin, std::size_t end,
                                const std::function<bool(const RecordView&)>& each) {
  ScanTotals t;
  t.intact_end = begin < chunks_.size() ? chunks_[begin].offset : kFileHeaderBytes;
  Decoder dec;
  std::string raw;
  std::int64_t held = INT64_MIN;
  for (std::size_t i = begin; i < end; ++i) {
    const ChunkEntry& e = chunks_[i];
    if (auto damage = decode_chunk(i, dec, raw)) {
      t.damage = damage;
      return t;
    }
    bool stop = false;
    std::optional<Damage> damage;
    const std::int64_t before = held;
    const bool ok = walk_records(e, raw, held, damage, [&](const RecordView& rec) {
      if (rec.kind == RecordKind::kFrame) {
        ++t.frames;
        t.frame_bytes += rec.envelope.size();
      } else {
        ++t.checkpoints;
        t.checkpoint_bytes += rec.envelope.size();
      }
      stop = !each(rec);
      return !stop;
    });
    if (!ok) {
      held = before;
      t.damage = damage;
      return t;
    }
    ++t.chunks;
    t.segments += (e.header.flags & kSegmentStart) ? 1 : 0;
    t.raw_bytes += raw.size();
    t.clock_backsteps += e.header.clock_backsteps;
    t.intact_end = e.offset + kChunkHeaderBytes + e.header.payload_bytes;
    t.last_time_us = held;
    if (stop) return t;
  }
  if (end == chunks_.size()) t.damage = index_damage_;
  return t;
}

}  // namespace beamscope::recording
