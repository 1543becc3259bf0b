// CURVE key files (see curve_keys.hpp). Files are small: anything past
// 64 KiB is refused rather than read.
#include "beamscope/transport/curve_keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <zmq.h>

namespace beamscope::transport {
namespace {

constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return std::string(s.substr(first, last - first + 1));
}

std::optional<std::string> read_small_file(const std::string& path, std::string& text) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return path + ": " + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return path + ": not a regular file";
  if (static_cast<std::size_t>(st.st_size) > kMaxKeyFileBytes)
    return path + ": " + std::to_string(st.st_size) + " bytes is too large for a key file";
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": " + std::strerror(errno);
  std::ostringstream buf;
  buf << in.rdbuf();
  text = buf.str();
  return std::nullopt;
}

// The one key of a key file: its first line that is neither blank nor a comment.
std::optional<std::string> single_key(const std::string& path, const std::string& text, std::string& key) {
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (auto err = check_z85_key(t)) return path + ":" + std::to_string(number) + ": " + *err;
    key = t;
    return std::nullopt;
  }
  return path + ": empty: expected one Z85 CURVE key (beamscope-ctl keygen PATH writes one)";
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Creates `path` exclusively with `mode` and writes `line` and a newline.
std::optional<std::string> write_new(const std::string& path, const std::string& line, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) return path + ": already exists; not overwritten";
    return path + ": " + std::strerror(errno);
  }
  const std::string text = line + "\n";
  const bool ok = ::fchmod(fd, mode) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return path + ": " + std::strerror(saved);
  }
  return std::nullopt;
}

}  // namespace

CurveKeyPair generate_curve_keypair() {
  std::array<char, kZ85KeyLength + 1> pub{}, sec{};
  if (zmq_curve_keypair(pub.data(), sec.data()) != 0)
    throw std::runtime_error("zmq_curve_keypair failed: libzmq was built without CURVE");
  return {pub.data(), sec.data()};
}

std::optional<std::string> check_z85_key(std::string_view key) {
  if (key.size() != kZ85KeyLength)
    return "expected a " + std::to_string(kZ85KeyLength) + "-character Z85 CURVE key, got " +
           std::to_string(key.size()) + " characters";
  // zmq_z85_decode reads a C string: a NUL inside would end the key early.
  if (key.find('\0') != std::string_view::npos) return "not a Z85 CURVE key (a NUL byte inside)";
  const std::string copy(key);
  std::array<std::uint8_t, 32> raw{};
  if (zmq_z85_decode(raw.data(), copy.c_str()) == nullptr) return "not a Z85 CURVE key (characters outside Z85)";
  return std::nullopt;
}

std::string derive_public_key(const std::string& secret_key) {
  std::array<char, kZ85KeyLength + 1> pub{};
  if (check_z85_key(secret_key) || zmq_curve_public(pub.data(), secret_key.c_str()) != 0)
    throw std::invalid_argument("not a Z85 CURVE secret key");
  return pub.data();
}

std::optional<std::string> read_secret_key_file(const std::string& path, std::string& key) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return path + ": " + std::strerror(errno);
  if (st.st_mode & 077)
    return path + ": permissions " + mode_text(st.st_mode) +
           " are too open: a secret key must be readable by its owner only (chmod 600 " + path + ")";
  std::string text;
  if (auto err = read_small_file(path, text)) return err;
  return single_key(path, text, key);
}

std::optional<std::string> read_public_key_file(const std::string& path, std::string& key) {
  std::string text;
  if (auto err = read_small_file(path, text)) return err;
  return single_key(path, text, key);
}

std::optional<std::string> parse_authorized_keys(std::string_view text, const std::string& source,
                                                 std::set<std::string>& keys) {
  std::set<std::string> found;
  std::size_t start = 0;
  for (int number = 1; start <= text.size(); ++number) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string line = trim(text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    const std::string key = line.substr(0, line.find_first_of(" \t"));
    if (auto err = check_z85_key(key)) return source + ":" + std::to_string(number) + ": " + *err;
    found.insert(key);
  }
  keys.swap(found);
  return std::nullopt;
}

std::optional<std::string> read_authorized_keys_file(const std::string& path, std::set<std::string>& keys) {
  std::string text;
  if (auto err = read_small_file(path, text)) return err;
  return parse_authorized_keys(text, path, keys);
}

std::optional<std::string> write_keypair_files(const std::string& path, CurveKeyPair& pair) {
  const std::string pub = path + ".pub", sec = path + ".secret";
  for (const auto& p : {pub, sec}) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) return p + ": already exists; not overwritten";
  }
  pair = generate_curve_keypair();
  if (auto err = write_new(sec, pair.secret_key, 0600)) return err;
  if (auto err = write_new(pub, pair.public_key, 0644)) {
    ::unlink(sec.c_str());
    return err;
  }
  return std::nullopt;
}

}  // namespace beamscope::transport
