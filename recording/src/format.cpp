// Byte layout of the recording's headers and records (see format.hpp).
#include "beamscope/recording/format.hpp"

#include <zlib.h>

#include <cstring>

namespace beamscope::recording {
namespace {

template <typename T>
void put(std::string& out, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff));
}

template <typename T>
T get(std::string_view bytes, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return static_cast<T>(v);
}

}  // namespace

std::uint32_t crc32(std::string_view bytes) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes a uInt length: feed large inputs in pieces.
  while (!bytes.empty()) {
    const std::size_t n = std::min<std::size_t>(bytes.size(), 1u << 30);
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n));
    bytes.remove_prefix(n);
  }
  return static_cast<std::uint32_t>(crc);
}

std::string encode_file_header(const FileHeader& h) {
  std::string out(kMagic);
  put<std::uint32_t>(out, h.version);
  put<std::uint32_t>(out, kFileHeaderBytes);
  put<std::int64_t>(out, h.created_at_us);
  put<std::uint32_t>(out, 0);  // flags, none yet
  put<std::uint32_t>(out, crc32(out));
  return out;
}

std::optional<FileHeader> decode_file_header(std::string_view bytes, std::string& error) {
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic) {
    error = "not a beamscope recording (no BSCOPREC magic at offset 0)";
    return std::nullopt;
  }
  if (bytes.size() < kFileHeaderBytes) {
    error = "truncated file header: " + std::to_string(bytes.size()) + " of " + std::to_string(kFileHeaderBytes) +
            " bytes";
    return std::nullopt;
  }
  FileHeader h;
  h.version = get<std::uint32_t>(bytes, 8);
  // The version is read before the checksum: a newer format may lay out its
  // header differently, and "version 2" says more than "damaged".
  if (h.version != kFormatVersion) {
    error = "recording format version " + std::to_string(h.version) + " is not supported (this build reads version " +
            std::to_string(kFormatVersion) + ")";
    return std::nullopt;
  }
  if (get<std::uint32_t>(bytes, 28) != crc32(bytes.substr(0, 28)) || get<std::uint32_t>(bytes, 12) != kFileHeaderBytes) {
    error = "damaged file header at offset 0 (checksum mismatch)";
    return std::nullopt;
  }
  h.created_at_us = get<std::int64_t>(bytes, 16);
  return h;
}

std::string encode_chunk_header(const ChunkHeader& h) {
  std::string out;
  out.reserve(kChunkHeaderBytes);
  put<std::uint32_t>(out, kChunkMagic);
  put<std::uint8_t>(out, h.flags);
  put<std::uint8_t>(out, 0);
  put<std::uint16_t>(out, 0);
  put<std::uint32_t>(out, h.payload_bytes);
  put<std::uint32_t>(out, h.raw_bytes);
  put<std::uint64_t>(out, h.first_frame);
  put<std::uint32_t>(out, h.records);
  put<std::uint32_t>(out, h.clock_backsteps);
  put<std::int64_t>(out, h.t_first_us);
  put<std::int64_t>(out, h.t_last_us);
  put<std::uint32_t>(out, h.payload_crc);
  put<std::uint32_t>(out, crc32(out));
  return out;
}

std::optional<ChunkHeader> decode_chunk_header(std::string_view bytes, std::string& error) {
  if (bytes.size() < kChunkHeaderBytes) {
    error = "truncated chunk header (" + std::to_string(bytes.size()) + " of " + std::to_string(kChunkHeaderBytes) +
            " bytes)";
    return std::nullopt;
  }
  if (get<std::uint32_t>(bytes, 0) != kChunkMagic) {
    error = "no chunk magic";
    return std::nullopt;
  }
  if (get<std::uint32_t>(bytes, 52) != crc32(bytes.substr(0, 52))) {
    error = "chunk header checksum mismatch";
    return std::nullopt;
  }
  ChunkHeader h;
  h.flags = get<std::uint8_t>(bytes, 4);
  h.payload_bytes = get<std::uint32_t>(bytes, 8);
  h.raw_bytes = get<std::uint32_t>(bytes, 12);
  h.first_frame = get<std::uint64_t>(bytes, 16);
  h.records = get<std::uint32_t>(bytes, 24);
  h.clock_backsteps = get<std::uint32_t>(bytes, 28);
  h.t_first_us = get<std::int64_t>(bytes, 32);
  h.t_last_us = get<std::int64_t>(bytes, 40);
  h.payload_crc = get<std::uint32_t>(bytes, 48);
  if (h.payload_bytes > kMaxChunkPayload || h.raw_bytes > kMaxChunkRaw ||
      static_cast<std::uint64_t>(h.records) * kRecordHeaderBytes > h.raw_bytes) {
    error = "chunk header sizes out of bounds";
    return std::nullopt;
  }
  if (h.t_last_us < h.t_first_us) {
    error = "chunk header times reversed";
    return std::nullopt;
  }
  return h;
}

void append_record(std::string& out, RecordKind kind, std::int64_t time_us, std::string_view envelope) {
  put<std::uint8_t>(out, static_cast<std::uint8_t>(kind));
  put<std::int64_t>(out, time_us);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(envelope.size()));
  out.append(envelope);
}

std::optional<RecordView> next_record(std::string_view raw, std::size_t& pos) {
  if (raw.size() - pos < kRecordHeaderBytes) return std::nullopt;
  const auto kind = get<std::uint8_t>(raw, pos);
  if (kind > static_cast<std::uint8_t>(RecordKind::kCheckpoint)) return std::nullopt;
  const auto time_us = get<std::int64_t>(raw, pos + 1);
  const auto length = get<std::uint32_t>(raw, pos + 9);
  if (raw.size() - pos - kRecordHeaderBytes < length) return std::nullopt;
  RecordView r{static_cast<RecordKind>(kind), time_us, raw.substr(pos + kRecordHeaderBytes, length)};
  pos += kRecordHeaderBytes + length;
  return r;
}

}  // namespace beamscope::recording
