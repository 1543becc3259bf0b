// RetryBackoff: the delays a refused viewer waits before a new socket.
#include "beamscope/transport/retry_backoff.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace beamscope::transport {
namespace {

using namespace std::chrono_literals;
using Clock = RetryBackoff::Clock;

// Refused at once after each retry: the waits are 1, 2, 4, 8, 16, 30, 30 s.
TEST(RetryBackoff, DoublesFromOneSecondToThirty) {
  RetryBackoff b;
  Clock::time_point t{};
  std::vector<long> waits;
  for (int i = 0; i < 7; ++i) {
    b.refused(t);
    const auto start = t;
    while (!b.take_due(t)) t += 100ms;
    waits.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(t - start).count());
  }
  EXPECT_EQ(waits, (std::vector<long>{1000, 2000, 4000, 8000, 16000, 30000, 30000}));
}

TEST(RetryBackoff, OneRetryPerRefusalAndResetOnSuccess) {
  RetryBackoff b;
  Clock::time_point t{};
  EXPECT_FALSE(b.take_due(t + 1h)) << "nothing is due before a refusal";
  b.refused(t);
  b.refused(t + 900ms);  // the same refusal read again: still due at 1 s
  EXPECT_FALSE(b.take_due(t + 999ms));
  EXPECT_TRUE(b.take_due(t + 1000ms));
  EXPECT_FALSE(b.take_due(t + 1001ms)) << "taken once";
  b.refused(t + 2s);
  EXPECT_EQ(b.next_delay(), 4000ms);
  b.succeeded();
  EXPECT_FALSE(b.take_due(t + 1h)) << "success cancels the scheduled retry";
  EXPECT_EQ(b.next_delay(), 1000ms);
}

}  // namespace
}  // namespace beamscope::transport
