// The recording file format (beamscope-collector --record), in one place.
//
//   file    := FileHeader Chunk*
//   Chunk   := ChunkHeader payload            (payload: zstd bytes)
//   segment := chunks from one with kSegmentStart up to the next one; its
//              payloads are one zstd stream flushed at each chunk end, so a
//              chunk decodes only after its segment's earlier chunks.
//   records := the decoded payloads: Record*  (kind, time, Envelope bytes)
//
// A segment starts with a checkpoint (a keyframe of every node the writer
// knows), so a reader seeks by decoding one segment. Records are in arrival
// order; their times never go back (the writer holds its clock at the
// newest time seen and counts the steps back), so time search is a binary
// search over chunks. All integers are little-endian. Append-only: a crash
// loses at most the chunk being written, and the reader stops at it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace beamscope::recording {

/// First 8 bytes of every recording.
inline constexpr std::string_view kMagic{"BSCOPREC", 8};
/// The format this build writes and the only one it reads. A reader meeting
/// another says so and refuses the file (formats are not guessed at).
inline constexpr std::uint32_t kFormatVersion = 1;

inline constexpr std::size_t kFileHeaderBytes = 32;
inline constexpr std::size_t kChunkHeaderBytes = 56;
inline constexpr std::uint32_t kChunkMagic = 0x4B435342;  // "BSCK"
/// Bounds a reader trusts a header for: a chunk is flushed at least every
/// second, so these are far above any real one.
inline constexpr std::uint32_t kMaxChunkPayload = 256u << 20;
inline constexpr std::uint32_t kMaxChunkRaw = 1024u << 20;

/// ChunkHeader::flags.
inline constexpr std::uint8_t kSegmentStart = 1;

struct FileHeader {
  std::uint32_t version = kFormatVersion;
  std::int64_t created_at_us = 0;  ///< writer's wall clock when the file was made
};

struct ChunkHeader {
  std::uint8_t flags = 0;
  std::uint32_t payload_bytes = 0;   ///< compressed bytes that follow the header
  std::uint32_t raw_bytes = 0;       ///< records' bytes once decoded
  std::uint64_t first_frame = 0;     ///< arrival index of the chunk's first frame (checkpoints not counted)
  std::uint32_t records = 0;         ///< records in the chunk, checkpoint keyframes included
  std::uint32_t clock_backsteps = 0; ///< times the writer's wall clock went back while filling it
  std::int64_t t_first_us = 0;       ///< time of the first record
  std::int64_t t_last_us = 0;        ///< time of the last record (>= t_first_us)
  std::uint32_t payload_crc = 0;     ///< CRC-32 of the payload
};

/// What a record holds.
enum class RecordKind : std::uint8_t {
  kFrame = 0,       ///< an Envelope as the collector received it (keyframe, delta, node_gone)
  kCheckpoint = 1,  ///< a keyframe the writer built from its own model at a segment start
};
/// kind(1) time_us(8) length(4), then `length` bytes of Envelope.
inline constexpr std::size_t kRecordHeaderBytes = 13;

std::string encode_file_header(const FileHeader& h);
std::string encode_chunk_header(const ChunkHeader& h);

/// Parses a file header; nullopt and `error` set for a short file, bad magic,
/// a damaged header or another format version.
std::optional<FileHeader> decode_file_header(std::string_view bytes, std::string& error);
/// Parses a chunk header; nullopt and `error` set when it is damaged
/// (magic, checksum, sizes past the bounds, times reversed).
std::optional<ChunkHeader> decode_chunk_header(std::string_view bytes, std::string& error);

/// CRC-32 (zlib's polynomial) of `bytes`.
std::uint32_t crc32(std::string_view bytes);

/// Appends one record to `out`.
void append_record(std::string& out, RecordKind kind, std::int64_t time_us, std::string_view envelope);

/// One record read out of decoded payload bytes.
struct RecordView {
  RecordKind kind;
  std::int64_t time_us;
  std::string_view envelope;
};
/// Reads the record at `pos` and advances it; nullopt when the bytes end
/// mid-record or the kind is unknown.
std::optional<RecordView> next_record(std::string_view raw, std::size_t& pos);

}  // namespace beamscope::recording
