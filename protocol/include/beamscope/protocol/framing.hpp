// Encoding and checked decoding of wire frames (one Envelope per frame).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "beamscope.pb.h"

namespace beamscope::protocol {

using v1::Envelope;
/// A frame handed on to several readers (a collector's server, recorder)
/// without a copy each: immutable once shared.
using SharedEnvelope = std::shared_ptr<const Envelope>;

/// Why a received frame was dropped.
enum class DecodeError : std::uint8_t {
  kTooLarge,      ///< above limits::kMaxFrameBytes
  kMalformed,     ///< protobuf could not parse it
  kWrongVersion,  ///< another major version
  kOutOfBounds,   ///< a string or repeated field above its bound
  kNoBody,        ///< envelope without a body, or without a node for data
};
inline constexpr std::size_t kDecodeErrorKinds = 5;

/// Short stable name, e.g. "malformed"; used in logs and metric labels.
const char* to_string(DecodeError e);

/// Either a checked envelope or the reason it was refused.
using DecodeResult = std::variant<Envelope, DecodeError>;

/// Parses and checks one frame. Never throws on bad input.
///   auto r = decode(bytes);
///   if (auto* env = std::get_if<Envelope>(&r)) { ... }
DecodeResult decode(std::string_view bytes);
/// The same; `major_seen` is set to the frame's major version whenever it
/// parsed (so kWrongVersion can name it).
DecodeResult decode(std::string_view bytes, std::uint32_t& major_seen);

/// A decoded frame that owns its memory: its rows and strings live in one
/// arena (a block or two, where a plain Envelope allocates every row and
/// string and frees each again), released with the last reference. For a
/// frame kept or handed on to other threads (the collector's links).
using OwnedEnvelope = std::shared_ptr<Envelope>;
using OwnedDecodeResult = std::variant<OwnedEnvelope, DecodeError>;
/// decode(bytes, major_seen) into an OwnedEnvelope.
OwnedDecodeResult decode_owned(std::string_view bytes, std::uint32_t& major_seen);

/// Checks the bounds of an already parsed envelope (also used before send).
bool within_bounds(const Envelope& env);

/// Stamps version, node, seq and timestamp (now), then serializes.
std::string encode(Envelope& env, const std::string& node, std::uint64_t seq);

/// Serializes as is (used to forward frames unchanged).
std::string encode(const Envelope& env);

/// Microseconds since the unix epoch.
std::int64_t now_us();

}  // namespace beamscope::protocol
