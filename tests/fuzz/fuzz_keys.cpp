// CURVE key files (transport/src/curve_keys.cpp): the input is written as a
// public key file, a secret key file (mode 0600) and an authorized-keys
// file, and read back through the same functions every program uses.
// Checked: every accepted key is 40 Z85 characters that decode to 32 bytes
// and encode back to themselves (two spellings of one key would never
// match each other), a secret key yields a public key, the authorized
// keys written out one a line parse to the same set, the file and the
// in-memory parser agree, and every error names its file.
#include <zmq.h>

#include <array>
#include <cstdint>
#include <set>
#include <string>

#include "beamscope/transport/curve_keys.hpp"
#include "fuzz_chunks.hpp"
#include "fuzz_temp_file.hpp"

using namespace beamscope;

namespace {

void check_round_trip(const std::string& key) {
  FUZZ_CHECK(key.size() == transport::kZ85KeyLength);
  FUZZ_CHECK(!transport::check_z85_key(key));
  std::array<std::uint8_t, 32> raw{};
  FUZZ_CHECK(zmq_z85_decode(raw.data(), key.c_str()) != nullptr);
  std::array<char, transport::kZ85KeyLength + 1> back{};
  FUZZ_CHECK(zmq_z85_encode(back.data(), raw.data(), raw.size()) != nullptr);
  FUZZ_CHECK(key == back.data());
}

void check_names(const std::string& error, const std::string& source) {
  FUZZ_CHECK(error.rfind(source + ":", 0) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::TempFile file("beamscope_fuzz_keys");
  if (!file.write(data, size)) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);

  std::string pub;
  if (auto err = transport::read_public_key_file(file.path(), pub)) {
    check_names(*err, file.path());
  } else {
    check_round_trip(pub);
    FUZZ_CHECK(text.find(pub) != std::string::npos);
  }

  std::string secret;
  if (auto err = transport::read_secret_key_file(file.path(), secret)) {
    check_names(*err, file.path());
    FUZZ_CHECK(pub.empty());  // the same text (mode 0600): both readers refuse it
  } else {
    FUZZ_CHECK(secret == pub);
    check_round_trip(secret);
    check_round_trip(transport::derive_public_key(secret));
  }

  std::set<std::string> keys, from_file;
  auto err = transport::parse_authorized_keys(text, "fuzz", keys);
  auto file_err = transport::read_authorized_keys_file(file.path(), from_file);
  FUZZ_CHECK(err.has_value() == file_err.has_value());
  if (err) {
    check_names(*err, "fuzz");
    check_names(*file_err, file.path());
    return 0;
  }
  FUZZ_CHECK(keys == from_file);
  std::string lines;
  for (const auto& k : keys) {
    check_round_trip(k);
    lines += k + "\n";
  }
  std::set<std::string> again;
  FUZZ_CHECK(!transport::parse_authorized_keys(lines, "again", again));
  FUZZ_CHECK(again == keys);
  return 0;
}
