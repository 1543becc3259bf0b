// Frames a reader dropped, by reason, and the sentence a person should read
// from them. Every viewer (StreamClient, ctl's one-shot fetches, the GUI)
// counts with this, so a server of another major version or one that is
// no beamscope server at all is named as such, not as "no answer".
//   DecodeRejects rejects;
//   auto r = rejects.decode(bytes);      // decode(), counting a refusal by reason
//   rejects.describe("tcp://h:9755");    // "3 frames dropped from tcp://h:9755: wrong major version 2 (...)"
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "beamscope/protocol/framing.hpp"

namespace beamscope::protocol {

struct DecodeRejects {
  std::array<std::uint64_t, kDecodeErrorKinds> by{};
  std::uint32_t last_major = 0;  ///< the major version of the last kWrongVersion frame

  /// decode(bytes), and a refused frame counted.
  DecodeResult decode(std::string_view bytes);
  /// decode_owned(bytes), and a refused frame counted.
  OwnedDecodeResult decode_owned(std::string_view bytes);
  void add(DecodeError e, std::uint32_t major_seen = 0);
  std::uint64_t total() const;
  std::uint64_t operator[](DecodeError e) const { return by[static_cast<std::size_t>(e)]; }

  /// "" when nothing was dropped; else "N frames dropped from SOURCE: REASON"
  /// with one reason ("wrong major version 2 (this build reads 1)"), or each
  /// with its count, most frequent first ("5 frames dropped from SOURCE: 3
  /// malformed (not a beamscope frame), 2 larger than 8 MiB").
  std::string describe(const std::string& source) const;
};

/// The reason in words, e.g. "malformed (not a beamscope frame)";
/// kWrongVersion names `major_seen` and this build's major.
std::string explain(DecodeError e, std::uint32_t major_seen = 0);

}  // namespace beamscope::protocol
