// What the collector tests that run real sockets share: a fake agent (a
// real StreamServer on a free loopback port), a FanIn following given
// agents, and a /metrics text of any collectable.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/text_serializer.h>

#include "beamscope/collector/fan_in.hpp"
#include "beamscope/transport/stream_server.hpp"

namespace beamscope::testing {

inline std::unique_ptr<transport::StreamServer> start_agent() {
  std::string err;
  auto s = transport::StreamServer::start({.endpoint = "tcp://127.0.0.1:*"}, err);
  EXPECT_TRUE(s) << err;
  return s;
}

inline std::unique_ptr<collector::FanIn> start_fan_in(std::vector<std::string> agents) {
  std::string err;
  auto fan = collector::FanIn::start({.agents = std::move(agents), .server = {.endpoint = "tcp://127.0.0.1:*"}}, err);
  EXPECT_TRUE(fan) << err;
  return fan;
}

inline std::string scrape(const prometheus::Collectable& c) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, c.Collect());
  return out.str();
}

}  // namespace beamscope::testing
