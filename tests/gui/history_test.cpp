// Ring buffers, counter rates and per-node history recorded from keyframes.
#include <gtest/gtest.h>

#include <cmath>

#include "counter_rate.hpp"
#include "node_history.hpp"
#include "ring_buffer.hpp"

using namespace beamscope::gui;
using beamscope::v1::Keyframe;
using beamscope::v1::SchedulerUtil;

TEST(RingBuffer, KeepsNewestInOrder) {
  RingBuffer<int> r(3);
  EXPECT_TRUE(r.empty());
  for (int i = 1; i <= 5; ++i) r.push(i);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], 3);
  EXPECT_EQ(r[2], 5);
  EXPECT_EQ(r.back(), 5);
  std::vector<int> last;
  r.copy_last(2, last);
  EXPECT_EQ(last, (std::vector<int>{4, 5}));
  r.copy_last(10, last);
  EXPECT_EQ(last, (std::vector<int>{3, 4, 5}));
  r.clear();
  EXPECT_EQ(r.size(), 0u);
}

TEST(CounterRate, RatesAndResets) {
  CounterRate c;
  EXPECT_FALSE(c.update(100, 1000));          // first reading
  EXPECT_DOUBLE_EQ(*c.update(600, 2000), 500.0);
  EXPECT_DOUBLE_EQ(*c.update(1600, 4000), 500.0);  // over 2 s
  EXPECT_FALSE(c.update(1600, 4000));         // same tick again
  EXPECT_DOUBLE_EQ(*c.last(), 500.0);
  EXPECT_FALSE(c.update(10, 5000));           // counter went back: restart
  EXPECT_FALSE(c.last());
  EXPECT_DOUBLE_EQ(*c.update(20, 5500), 20.0);
}

namespace {

Keyframe tick(std::uint64_t uptime_ms, std::uint64_t procs, std::uint64_t reds, std::vector<double> utils) {
  Keyframe kf;
  auto* g = kf.mutable_gauges();
  g->set_uptime_ms(uptime_ms);
  g->set_process_count(procs);
  g->set_reductions_total(reds);
  g->set_gc_count_total(reds / 10);
  g->mutable_memory()->set_total(1 << 20);
  for (std::size_t i = 0; i < utils.size(); ++i) {
    auto* s = g->add_scheduler_util();
    s->set_kind(SchedulerUtil::NORMAL);
    s->set_id(static_cast<std::uint32_t>(utils.size() - i));  // out of order on purpose
    s->set_utilization(utils[i]);
  }
  auto* dirty = g->add_scheduler_util();
  dirty->set_kind(SchedulerUtil::DIRTY_CPU);
  dirty->set_id(1);
  dirty->set_utilization(1.0);
  kf.mutable_mailbox_histogram()->set_sum(procs * 2);
  return kf;
}

}  // namespace

TEST(NodeHistory, OneSamplePerTick) {
  NodeHistory h(100);
  EXPECT_TRUE(h.ingest(tick(1000, 50, 1000, {0.2, 0.4})));
  EXPECT_FALSE(h.ingest(tick(1000, 51, 1100, {0.2, 0.4})));  // same uptime: same tick
  EXPECT_TRUE(h.ingest(tick(2000, 60, 3000, {0.5, 1.0})));
  ASSERT_EQ(h.size(), 2u);
  EXPECT_FLOAT_EQ(h.series(Series::kProcessCount)[1], 60.f);
  EXPECT_FLOAT_EQ(h.series(Series::kMailboxTotal)[1], 120.f);
  EXPECT_TRUE(std::isnan(h.series(Series::kReductionsPerS)[0]));
  EXPECT_DOUBLE_EQ(h.reductions_per_s(), 2000.0);
  EXPECT_DOUBLE_EQ(h.gc_per_s(), 200.0);
  // Dirty schedulers stay out of the average and the strip.
  EXPECT_NEAR(h.latest(Series::kSchedulerUtilAvg), 0.75, 1e-6);
  ASSERT_EQ(h.scheduler_util().size(), 2u);
  // Sorted by id: scheduler 1 was sent last with 1.0.
  EXPECT_FLOAT_EQ(h.scheduler_util()[0].back(), 1.0f);
}

TEST(NodeHistory, RestartClearsAndCapacityBounds) {
  NodeHistory h(3);
  for (std::uint64_t t = 1; t <= 5; ++t) h.ingest(tick(t * 1000, t, t * 100, {0.1}));
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h.samples_within(1000), 2u);
  EXPECT_EQ(h.samples_within(60000), 3u);
  EXPECT_TRUE(h.ingest(tick(500, 7, 10, {0.1})));  // uptime went back: new node life
  EXPECT_EQ(h.size(), 1u);
  EXPECT_TRUE(std::isnan(h.reductions_per_s()));
}

TEST(NodeHistory, SchedulerCountChangeKeepsRowsAligned) {
  NodeHistory h(10);
  h.ingest(tick(1000, 1, 1, {0.1}));
  h.ingest(tick(2000, 1, 2, {0.1, 0.2}));
  ASSERT_EQ(h.scheduler_util().size(), 2u);
  EXPECT_EQ(h.scheduler_util()[0].size(), h.times_ms().size());
}
