#include "handshake_monitor.hpp"

#include <cstring>

namespace beamscope::transport {
namespace {
std::atomic<unsigned> g_monitor_serial{0};
}

HandshakeMonitor::HandshakeMonitor(zmq::context_t& ctx, zmq::socket_t& watched, int events)
    : pair_(ctx, zmq::socket_type::pair) {
  const std::string address = "inproc://beamscope-handshake-" + std::to_string(g_monitor_serial.fetch_add(1));
  if (zmq_socket_monitor(watched.handle(), address.c_str(), events) != 0) throw zmq::error_t();
  pair_.set(zmq::sockopt::linger, 0);
  pair_.connect(address);
}

std::vector<HandshakeEvent> HandshakeMonitor::drain() {
  std::vector<HandshakeEvent> events;
  for (int i = 0; i < 256; ++i) {
    // Two frames: 16-bit event + 32-bit value, then the peer's address.
    zmq::message_t head;
    if (!pair_.recv(head, zmq::recv_flags::dontwait)) break;
    for (bool more = head.more(); more;) {
      zmq::message_t rest;
      more = pair_.recv(rest, zmq::recv_flags::dontwait) && rest.more();
    }
    if (head.size() < 6) continue;
    std::uint16_t event = 0;
    std::uint32_t value = 0;
    std::memcpy(&event, head.data(), sizeof event);
    std::memcpy(&value, static_cast<const char*>(head.data()) + 2, sizeof value);
    events.push_back({event, static_cast<int>(value)});
  }
  return events;
}

}  // namespace beamscope::transport
