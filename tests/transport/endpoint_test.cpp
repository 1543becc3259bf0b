#include "beamscope/transport/endpoint.hpp"

#include <gtest/gtest.h>

namespace beamscope::transport {
namespace {

TEST(Endpoint, AcceptsUsualForms) {
  EXPECT_FALSE(check_endpoint("tcp://127.0.0.1:9755", false));
  EXPECT_FALSE(check_endpoint("tcp://localhost:1", false));
  EXPECT_FALSE(check_endpoint("tcp://127.0.0.1:*", true));
  EXPECT_FALSE(check_endpoint("ipc:///tmp/beamscope.sock", false));
}

TEST(Endpoint, ExplainsWhatIsWrong) {
  EXPECT_NE(check_endpoint("127.0.0.1:9755", false)->find("missing scheme"), std::string::npos);
  EXPECT_NE(check_endpoint("tcp://127.0.0.1:99999", false)->find("port must be"), std::string::npos);
  EXPECT_NE(check_endpoint("tcp://127.0.0.1:abc", false)->find("port must be"), std::string::npos);
  EXPECT_NE(check_endpoint("tcp://127.0.0.1:*", false)->find("only valid when binding"), std::string::npos);
  EXPECT_NE(check_endpoint("udp://1.2.3.4:5", false)->find("unsupported scheme"), std::string::npos);
  EXPECT_TRUE(check_endpoint("", false));
  EXPECT_TRUE(check_endpoint("tcp://", false));
}

TEST(Endpoint, KnowsLoopback) {
  EXPECT_TRUE(is_loopback("tcp://127.0.0.1:9755"));
  EXPECT_TRUE(is_loopback("tcp://localhost:9755"));
  EXPECT_FALSE(is_loopback("tcp://10.0.0.1:9755"));
  EXPECT_FALSE(is_loopback("tcp://0.0.0.0:9755"));
}

}  // namespace
}  // namespace beamscope::transport
