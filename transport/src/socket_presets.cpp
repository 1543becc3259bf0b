#include "beamscope/transport/socket_presets.hpp"

namespace beamscope::transport {

void apply_presets(zmq::socket_t& s, const SocketPresets& p) {
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::sndhwm, p.send_hwm);
  s.set(zmq::sockopt::rcvhwm, p.recv_hwm);
  s.set(zmq::sockopt::heartbeat_ivl, p.heartbeat_ivl_ms);
  s.set(zmq::sockopt::heartbeat_timeout, p.heartbeat_timeout_ms);
  s.set(zmq::sockopt::heartbeat_ttl, p.heartbeat_timeout_ms);
  // A peer must not make us assemble (and hold) a message without bound.
  s.set(zmq::sockopt::maxmsgsize, p.max_message_bytes);
}

}  // namespace beamscope::transport
