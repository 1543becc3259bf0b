// The frame decoder (protocol::decode) on one frame of arbitrary bytes:
// never crashes, and whatever it accepts is within bounds and survives a
// re-encode unchanged (what the collector does when it forwards a frame).
// decode_owned (into an arena: the collector's links) gives the same
// verdict and the same frame.
#include <cstdint>
#include <cstring>
#include <string_view>
#include <variant>

#include "beamscope/protocol/framing.hpp"
#include "fuzz_chunks.hpp"

using namespace beamscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto result = protocol::decode(bytes);
  std::uint32_t major_seen = 0;
  auto owned = protocol::decode_owned(bytes, major_seen);
  FUZZ_CHECK(result.index() == owned.index());
  if (auto* err = std::get_if<protocol::DecodeError>(&result)) {
    FUZZ_CHECK(*err == std::get<protocol::DecodeError>(owned));
    FUZZ_CHECK(static_cast<std::size_t>(*err) < protocol::kDecodeErrorKinds);
    FUZZ_CHECK(std::strlen(protocol::to_string(*err)) > 0);
    return 0;
  }
  const auto& env = std::get<protocol::Envelope>(result);
  FUZZ_CHECK(protocol::within_bounds(env));
  const std::string once = protocol::encode(env);
  FUZZ_CHECK(protocol::encode(*std::get<protocol::OwnedEnvelope>(owned)) == once);
  auto again = protocol::decode(once);
  auto* env2 = std::get_if<protocol::Envelope>(&again);
  FUZZ_CHECK(env2 != nullptr);
  FUZZ_CHECK(protocol::encode(*env2) == once);
  return 0;
}
