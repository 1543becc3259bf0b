#include "viewer_socket.hpp"

#include "beamscope/transport/endpoint.hpp"
#include "beamscope/transport/socket_presets.hpp"

namespace beamscope::transport {

ViewerSocket::ViewerSocket(zmq::context_t& ctx, std::string endpoint, ClientSecurity security)
    : endpoint_(std::move(endpoint)),
      security_(std::move(security)),
      dealer_(ctx, zmq::socket_type::dealer),
      monitor_(ctx, dealer_, HandshakeMonitor::kHandshakeEvents | ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) {}

ViewerSocket::~ViewerSocket() { zmq_socket_monitor(dealer_.handle(), nullptr, 0); }

std::unique_ptr<ViewerSocket> ViewerSocket::connect(zmq::context_t& ctx, const std::string& endpoint,
                                                    const ClientSecurity& security, std::string& error,
                                                    const SocketPresets& presets,
                                                    const std::function<void(zmq::socket_t&)>& tune) {
  if (auto err = check_endpoint(endpoint, /*for_bind=*/false)) {
    error = *err;
    return nullptr;
  }
  try {
    std::unique_ptr<ViewerSocket> v(new ViewerSocket(ctx, endpoint, security));
    apply_presets(v->dealer_, presets);
    apply_client_security(v->dealer_, security);
    if (tune) tune(v->dealer_);
    v->dealer_.connect(endpoint);
    return v;
  } catch (const zmq::error_t& e) {
    error = endpoint + ": " + e.what();
    return nullptr;
  }
}

const std::string& ViewerSocket::refusal() {
  for (const auto& e : monitor_.drain()) {
    if (e.event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      refusal_.clear();
      handshaken_ = true;
      ++handshakes_;
      dropped_in_handshake_ = 0;
    } else if (e.event == ZMQ_EVENT_CONNECTED) {
      handshaken_ = false;
    } else if (e.event == ZMQ_EVENT_DISCONNECTED) {
      // Twice in a row, so that one server restart mid-handshake is no refusal.
      // A CURVE server may also drop a plaintext viewer before its greeting
      // (and the mechanism in it) is sent: libzmq closes on the mismatch it
      // read first.
      if (!handshaken_ && ++dropped_in_handshake_ >= 2)
        refusal_ = *refusal_message(endpoint_, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                                    security_.enabled() ? ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
                                                        : ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH,
                                    security_);
    } else if (auto text = refusal_message(endpoint_, e.event, e.value, security_)) {
      refusal_ = *text;
    }
  }
  return refusal_;
}

}  // namespace beamscope::transport
