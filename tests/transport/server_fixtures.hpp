// What the stream tests share: a server on a free loopback port and a delta
// frame for one node.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "beamscope/protocol/version.hpp"
#include "beamscope/transport/stream_server.hpp"

namespace beamscope::transport::testing {

/// A server on tcp://127.0.0.1:* (any other option as given); a failed
/// start fails the test.
inline std::unique_ptr<StreamServer> start_server(StreamServerOptions opts = {}) {
  opts.endpoint = "tcp://127.0.0.1:*";
  std::string error;
  auto server = StreamServer::start(opts, error);
  EXPECT_TRUE(server) << error;
  return server;
}

/// A keyframe of `node` at `seq` with its process count.
inline protocol::Envelope keyframe(const std::string& node, std::uint64_t seq, std::uint64_t processes) {
  protocol::Envelope env;
  env.set_version_major(protocol::kVersionMajor);
  env.set_node(node);
  env.set_seq(seq);
  env.mutable_keyframe()->mutable_info()->set_node(node);
  env.mutable_keyframe()->mutable_gauges()->set_process_count(processes);
  return env;
}

/// A delta of `node` at `seq` that sets its process count.
inline protocol::Envelope delta(const std::string& node, std::uint64_t seq, std::uint64_t processes) {
  protocol::Envelope env;
  env.set_version_major(protocol::kVersionMajor);
  env.set_node(node);
  env.set_seq(seq);
  env.mutable_delta()->mutable_gauges()->set_process_count(processes);
  return env;
}

}  // namespace beamscope::transport::testing
