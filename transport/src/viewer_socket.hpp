// The viewer's end of a stream (DEALER), shared by StreamClient and the
// one-shot fetches: endpoint check, presets, CURVE client keys, and a
// handshake monitor that turns a server's refusal into a sentence.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "beamscope/transport/security.hpp"
#include "beamscope/transport/socket_presets.hpp"
#include "handshake_monitor.hpp"

namespace beamscope::transport {

class ViewerSocket {
 public:
  /// Checks the endpoint and connects (ZeroMQ reconnects by itself).
  /// nullptr and `error` set when the endpoint or the options are bad.
  /// `tune` sets more options before the connect (the agent's dial-out).
  static std::unique_ptr<ViewerSocket> connect(zmq::context_t& ctx, const std::string& endpoint,
                                               const ClientSecurity& security, std::string& error,
                                               const SocketPresets& presets = {},
                                               const std::function<void(zmq::socket_t&)>& tune = {});

  /// Stops the monitor before either socket closes: libzmq's I/O thread
  /// blocks for good on an event for a monitor whose reader is gone.
  ~ViewerSocket();

  zmq::socket_t& dealer() { return dealer_; }
  zmq::socket_t& monitor_socket() { return monitor_.socket(); }

  /// Reads handshake events: the latest refusal ("not authorized by ...")
  /// stays until a handshake succeeds. Empty when none.
  const std::string& refusal();

  /// The current connection completed its handshake (as of the last refusal() call).
  bool handshaken() const { return handshaken_; }
  /// Handshakes completed on this socket so far (as of the last refusal()
  /// call): a reconnection whose events came in one read still counts.
  std::uint64_t handshakes() const { return handshakes_; }

 private:
  ViewerSocket(zmq::context_t& ctx, std::string endpoint, ClientSecurity security);
  std::string endpoint_;
  ClientSecurity security_;
  zmq::socket_t dealer_;
  HandshakeMonitor monitor_;
  std::string refusal_;
  // CURVE connections dropped before their handshake completed: a server
  // that cannot open our HELLO (wrong server key) just hangs up.
  int dropped_in_handshake_ = 0;
  bool handshaken_ = false;
  std::uint64_t handshakes_ = 0;
};

}  // namespace beamscope::transport
