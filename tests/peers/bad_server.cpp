// A server no viewer should trust: a raw ZeroMQ ROUTER on a free loopback
// port that answers every message a viewer sends (Hello, heartbeat) with
// --frames frames it must drop:
//   --mode wrong-major  well-formed keyframes of major version 2
//   --mode garbage      bytes that are no protobuf at all
// Prints "endpoint tcp://127.0.0.1:PORT", then serves until stdin closes.
#include <poll.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include <zmq.hpp>

#include "beamscope.pb.h"
#include "beamscope/protocol/version.hpp"

using namespace beamscope;

int main(int argc, char** argv) {
  std::string mode = "wrong-major";
  int frames = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--mode") mode = argv[i + 1];
    else if (k == "--frames") frames = std::atoi(argv[i + 1]);
    else {
      std::cerr << "bad_server: unknown option " << k << "\n";
      return 2;
    }
  }
  std::string payload;
  if (mode == "wrong-major") {
    v1::Envelope env;
    env.set_version_major(protocol::kVersionMajor + 1);
    env.set_node("future@host");
    env.set_seq(1);
    env.mutable_keyframe()->mutable_info()->set_node("future@host");
    payload = env.SerializeAsString();
  } else if (mode == "garbage") {
    payload = "\xff\xff\xff\xff not a beamscope frame";
  } else {
    std::cerr << "bad_server: --mode wrong-major|garbage\n";
    return 2;
  }
  zmq::context_t ctx{1};
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.bind("tcp://127.0.0.1:*");
  std::cout << "endpoint " << router.get(zmq::sockopt::last_endpoint) << std::endl;
  for (;;) {
    zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::chrono::milliseconds(-1));
    if (items[1].revents & (ZMQ_POLLIN | ZMQ_POLLERR)) {
      char c;
      if (!std::cin.get(c)) return 0;  // stdin closed: done
    }
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    zmq::message_t id, body;
    if (!router.recv(id)) continue;
    while (router.get(zmq::sockopt::rcvmore)) (void)router.recv(body);
    for (int i = 0; i < frames; ++i) {
      zmq::message_t to(id.data(), id.size());
      zmq::message_t msg(payload.data(), payload.size());
      if (!router.send(to, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) break;
      (void)router.send(msg, zmq::send_flags::dontwait);
    }
  }
}
