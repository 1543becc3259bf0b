// FrameTimes: nearest-rank percentiles of frame CPU times.
#include <gtest/gtest.h>

#include "frame_times.hpp"

namespace beamscope::gui {
namespace {

TEST(FrameTimes, MedianAndP99) {
  FrameTimes f;
  EXPECT_EQ(f.percentile(50), 0.0);
  for (int i = 100; i >= 1; --i) f.add(i);
  EXPECT_EQ(f.count(), 100u);
  EXPECT_EQ(f.percentile(50), 50.0);
  EXPECT_EQ(f.percentile(99), 99.0);
  EXPECT_EQ(f.percentile(100), 100.0);
  EXPECT_EQ(f.percentile(0), 1.0);
  EXPECT_DOUBLE_EQ(f.mean(), 50.5);
  EXPECT_GE(thread_cpu_ms(), 0.0);
}

}  // namespace
}  // namespace beamscope::gui
