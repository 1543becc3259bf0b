#include "zap_handler.hpp"

#include <array>
#include <fstream>
#include <vector>

#include "beamscope/transport/curve_keys.hpp"

namespace beamscope::transport {
namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kReloadCheck = std::chrono::milliseconds(500);
// A scan of many unknown keys must not flood the host's log.
constexpr auto kWarningInterval = std::chrono::seconds(60);
constexpr std::size_t kMaxFileBytes = 64 * 1024;

std::string read_text(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}
}  // namespace

ZapHandler::ZapHandler(zmq::context_t& ctx, std::string file, std::set<std::string> keys, WarningSink warn,
                       std::string peer_kind)
    : rep_(ctx, zmq::socket_type::rep),
      file_(std::move(file)),
      keys_(std::move(keys)),
      warn_(std::move(warn)),
      peer_kind_(std::move(peer_kind)) {
  rep_.set(zmq::sockopt::linger, 0);
  rep_.bind("inproc://zeromq.zap.01");
  text_ = read_text(file_);
}

void ZapHandler::handle() {
  for (int i = 0; i < 256; ++i) {
    // version, request id, domain, address, identity, mechanism, credentials...
    std::vector<zmq::message_t> frames;
    zmq::message_t frame;
    if (!rep_.recv(frame, zmq::recv_flags::dontwait)) return;
    frames.push_back(std::move(frame));
    while (frames.back().more() && frames.size() < 16) {
      zmq::message_t next;
      if (!rep_.recv(next, zmq::recv_flags::dontwait)) break;
      frames.push_back(std::move(next));
    }
    // A REP socket must answer before it can read the next request.
    const std::string version = frames.size() > 0 ? frames[0].to_string() : "1.0";
    const std::string request_id = frames.size() > 1 ? frames[1].to_string() : "";
    std::string key;
    if (frames.size() >= 7 && frames[5].to_string_view() == "CURVE" && frames[6].size() == 32) {
      std::array<char, kZ85KeyLength + 1> z85{};
      if (zmq_z85_encode(z85.data(), static_cast<const std::uint8_t*>(frames[6].data()), 32)) key = z85.data();
    }
    const bool allowed = !key.empty() && !file_broken_ && keys_.count(key) > 0;
    answer(version, request_id, allowed, key);
    if (!allowed) note_refusal(key);
  }
}

void ZapHandler::answer(const std::string& version, const std::string& request_id, bool allowed,
                        const std::string& key) {
  const std::array<std::string, 6> reply{version, request_id, allowed ? "200" : "400",
                                         allowed ? "OK" : "public key not authorized", allowed ? key : "", ""};
  for (std::size_t i = 0; i < reply.size(); ++i) {
    zmq::message_t part(reply[i].data(), reply[i].size());
    (void)rep_.send(part, i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

void ZapHandler::note_refusal(const std::string& key) {
  ++refused_;
  ++unreported_;
  const auto now = Clock::now();
  if (!warn_ || (last_warning_ != Clock::time_point{} && now - last_warning_ < kWarningInterval)) return;
  std::string text = "stream: refused " + peer_kind_ + " key " + (key.empty() ? std::string("(none)") : key.substr(0, 8)) +
                     "...: not in " + file_;
  if (unreported_ > 1) text += " (" + std::to_string(unreported_) + " refusals since the last report)";
  warn_(text);
  unreported_ = 0;
  last_warning_ = now;
}

void ZapHandler::maybe_reload(Clock::time_point now) {
  if (now - last_check_ < kReloadCheck) return;
  last_check_ = now;
  std::string text = read_text(file_);
  if (text == text_) return;
  text_ = std::move(text);
  std::set<std::string> keys;
  if (auto err = read_authorized_keys_file(file_, keys)) {
    file_broken_ = true;
    if (warn_) warn_("stream: " + *err + "; refusing every " + peer_kind_ + " until the authorized keys file is fixed");
    return;
  }
  if (file_broken_ && warn_) warn_("stream: " + file_ + " is readable again (" + std::to_string(keys.size()) + " keys)");
  file_broken_ = false;
  keys_.swap(keys);
}

}  // namespace beamscope::transport
