// FrameTimes: nearest-rank percentiles of frame CPU times.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

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
}

// What a frame is charged: the CPU time of its own thread. It advances
// with work done on this thread (never faster than the wall clock), and
// not while the thread sleeps, nor with another thread's work.
TEST(FrameTimes, ThreadCpuCountsThisThreadsWorkOnly) {
  using Clock = std::chrono::steady_clock;
  const auto wall_ms = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  // Busy work until this thread has 30 ms of CPU (a loaded host only
  // stretches the wall time; 10 s means the clock does not advance).
  const double cpu0 = thread_cpu_ms();
  const auto t0 = Clock::now();
  volatile unsigned sink = 0;
  while (thread_cpu_ms() - cpu0 < 30.0 && wall_ms(t0, Clock::now()) < 10000.0) {
    for (unsigned i = 0; i < 100000; ++i) sink = sink + i;
  }
  const double busy = thread_cpu_ms() - cpu0;
  const double busy_wall = wall_ms(t0, Clock::now());
  EXPECT_GE(busy, 30.0) << "no CPU time after " << busy_wall << " ms of busy work";
  EXPECT_LE(busy, busy_wall + 1.0) << "one thread's CPU time ran ahead of the wall clock";

  // Asleep for 200 ms while another thread spins: hardly any CPU here.
  std::atomic<bool> stop{false};
  std::thread spinner([&] {
    volatile unsigned s = 0;
    while (!stop.load(std::memory_order_relaxed)) s = s + 1;
  });
  const double cpu1 = thread_cpu_ms();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const double asleep = thread_cpu_ms() - cpu1;
  stop = true;
  spinner.join();
  EXPECT_LT(asleep, 20.0) << "a sleeping thread was charged " << asleep << " ms";
}

}  // namespace
}  // namespace beamscope::gui
