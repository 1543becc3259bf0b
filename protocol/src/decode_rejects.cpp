// Counting and wording of dropped frames (see decode_rejects.hpp).
#include "beamscope/protocol/decode_rejects.hpp"

#include <algorithm>
#include <vector>

#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/version.hpp"

namespace beamscope::protocol {

std::string explain(DecodeError e, std::uint32_t major_seen) {
  switch (e) {
    case DecodeError::kTooLarge:
      return "larger than " + std::to_string(limits::kMaxFrameBytes >> 20) + " MiB";
    case DecodeError::kMalformed: return "malformed (not a beamscope frame)";
    case DecodeError::kWrongVersion:
      return "wrong major version " + std::to_string(major_seen) + " (this build reads " +
             std::to_string(kVersionMajor) + ")";
    case DecodeError::kOutOfBounds: return "out of the protocol's bounds";
    case DecodeError::kNoBody: return "without a body or a node";
  }
  return "unknown";
}

DecodeResult DecodeRejects::decode(std::string_view bytes) {
  std::uint32_t major_seen = 0;
  DecodeResult r = protocol::decode(bytes, major_seen);
  if (const auto* e = std::get_if<DecodeError>(&r)) add(*e, major_seen);
  return r;
}

OwnedDecodeResult DecodeRejects::decode_owned(std::string_view bytes) {
  std::uint32_t major_seen = 0;
  OwnedDecodeResult r = protocol::decode_owned(bytes, major_seen);
  if (const auto* e = std::get_if<DecodeError>(&r)) add(*e, major_seen);
  return r;
}

void DecodeRejects::add(DecodeError e, std::uint32_t major_seen) {
  ++by[static_cast<std::size_t>(e)];
  if (e == DecodeError::kWrongVersion) last_major = major_seen;
}

std::uint64_t DecodeRejects::total() const {
  std::uint64_t sum = 0;
  for (auto v : by) sum += v;
  return sum;
}

std::string DecodeRejects::describe(const std::string& source) const {
  const std::uint64_t n = total();
  if (n == 0) return "";
  std::vector<std::size_t> kinds;
  for (std::size_t i = 0; i < kDecodeErrorKinds; ++i)
    if (by[i] > 0) kinds.push_back(i);
  std::stable_sort(kinds.begin(), kinds.end(), [&](std::size_t a, std::size_t b) { return by[a] > by[b]; });
  std::string out = std::to_string(n) + (n == 1 ? " frame" : " frames") + " dropped from " + source + ": ";
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    if (k > 0) out += ", ";
    if (kinds.size() > 1) out += std::to_string(by[kinds[k]]) + " ";
    out += explain(static_cast<DecodeError>(kinds[k]), last_major);
  }
  return out;
}

}  // namespace beamscope::protocol
