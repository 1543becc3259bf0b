// Splits a fuzz input into a sequence of chunks, each one byte of tag (who
// sent it, how much time passed: the target decides) and up to 64 KiB of
// bytes. The seed generator writes the same format, so seeds are real
// frames the fuzzer mutates in place. Shared by the targets and the seeds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace beamscope::fuzz {

struct Chunk {
  std::uint8_t tag = 0;
  std::string_view bytes;
};

/// Reads [tag u8][length u16 little-endian][bytes]...; a length past the end
/// is cut to what is left, so every input is a valid sequence.
class ChunkReader {
 public:
  ChunkReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool next(Chunk& out) {
    if (pos_ >= size_) return false;
    out.tag = data_[pos_++];
    std::size_t len = 0;
    if (pos_ + 2 <= size_) {
      len = static_cast<std::size_t>(data_[pos_]) | static_cast<std::size_t>(data_[pos_ + 1]) << 8;
      pos_ += 2;
    } else {
      pos_ = size_;
    }
    if (len > size_ - pos_) len = size_ - pos_;
    out.bytes = std::string_view(reinterpret_cast<const char*>(data_ + pos_), len);
    pos_ += len;
    return true;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

/// The writer's side (seed generator): appends one chunk; bytes past 64 KiB
/// are refused by returning false (a seed must stay small).
inline bool append_chunk(std::string& out, std::uint8_t tag, std::string_view bytes) {
  if (bytes.size() > 0xFFFF) return false;
  out.push_back(static_cast<char>(tag));
  out.push_back(static_cast<char>(bytes.size() & 0xFF));
  out.push_back(static_cast<char>(bytes.size() >> 8));
  out.append(bytes);
  return true;
}

}  // namespace beamscope::fuzz

/// A property a target checks; aborts (a crash libFuzzer keeps) when false,
/// also in release builds.
#define FUZZ_CHECK(cond)                                                              \
  do {                                                                                \
    if (!(cond)) ::beamscope::fuzz::check_failed(#cond, __FILE__, __LINE__);          \
  } while (0)

namespace beamscope::fuzz {
[[noreturn]] void check_failed(const char* what, const char* file, int line);
}  // namespace beamscope::fuzz
