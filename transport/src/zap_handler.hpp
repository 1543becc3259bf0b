// The ZAP handler of a CURVE stream server (RFC 27): answers libzmq's
// authentication requests on the server's own I/O thread from the set of
// authorized viewer keys, re-reads the authorized-keys file when it
// changes (revocation without a restart), and counts every refusal.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include <zmq.hpp>

namespace beamscope::transport {

/// Warnings for the program's log; called on the I/O thread, must not block.
using WarningSink = std::function<void(const std::string&)>;

class ZapHandler {
 public:
  /// Binds libzmq's ZAP endpoint in `ctx` (one handler per context) with
  /// the keys already read from `file`. `peer_kind` names who is refused
  /// in warnings ("viewer", or "agent" for a DialInListener).
  ZapHandler(zmq::context_t& ctx, std::string file, std::set<std::string> keys, WarningSink warn,
             std::string peer_kind = "viewer");

  /// The REP socket to poll for ZMQ_POLLIN.
  zmq::socket_t& socket() { return rep_; }

  /// Answers pending requests (a bounded batch).
  void handle();

  /// Re-reads the file at most every 500 ms and takes its keys when its
  /// text changed (a few microseconds for a key file). A file that became unreadable or malformed
  /// refuses every viewer until it is fixed: a revocation must not be
  /// undone by a typo.
  void maybe_reload(std::chrono::steady_clock::time_point now);

  /// Connections refused because their key is not authorized.
  std::uint64_t refused() const { return refused_; }

 private:
  void answer(const std::string& version, const std::string& request_id, bool allowed, const std::string& key);
  void note_refusal(const std::string& key);

  zmq::socket_t rep_;
  std::string file_;
  std::set<std::string> keys_;
  bool file_broken_ = false;
  std::string text_;  // the file's text when last read ("" if unreadable)
  std::chrono::steady_clock::time_point last_check_{};
  WarningSink warn_;
  std::string peer_kind_;
  std::uint64_t refused_ = 0;
  std::uint64_t unreported_ = 0;  // refusals since the last warning
  std::chrono::steady_clock::time_point last_warning_{};
};

}  // namespace beamscope::transport
