// The inspector's charts start full: a History received after the keyframe
// fills NodeHistory (issue 15).
#include <gtest/gtest.h>

#include "beamscope/protocol/history_series.hpp"
#include "inspector_model.hpp"
#include "node_history.hpp"

namespace beamscope::gui {
namespace {

using G = v1::GaugeColumn;

v1::History history_of(int ticks, std::uint64_t first_uptime_ms) {
  protocol::SampleRing ring(static_cast<std::size_t>(ticks));
  for (int i = 0; i < ticks; ++i) {
    protocol::GaugeSample s;
    s.uptime_ms = first_uptime_ms + 1000u * static_cast<std::uint64_t>(i);
    s.time_us = static_cast<std::int64_t>(s.uptime_ms) * 1000;
    s.v[G::PROCESS_COUNT] = 100u + static_cast<std::uint64_t>(i);
    s.v[G::REDUCTIONS_TOTAL] = 5000u * static_cast<std::uint64_t>(i);
    s.v[G::SCHEDULER_UTIL_PPM] = 250000;
    ring.push(s);
  }
  v1::History h;
  protocol::append_history(ring, 0, h);
  return h;
}

TEST(HistoryBackfill, TheChartsStartWithTheNodesPast) {
  NodeHistory h;
  v1::Keyframe kf;
  kf.mutable_gauges()->set_uptime_ms(600000);
  kf.mutable_gauges()->set_process_count(399);
  ASSERT_TRUE(h.ingest(kf));
  ASSERT_EQ(h.backfill(history_of(300, 301000)), 300u);
  EXPECT_EQ(h.size(), 300u);
  EXPECT_EQ(h.samples_within(600000), 300u);
  EXPECT_FLOAT_EQ(h.series(Series::kProcessCount)[0], 100.0f);
  EXPECT_FLOAT_EQ(h.series(Series::kProcessCount).back(), 399.0f);
  EXPECT_DOUBLE_EQ(h.reductions_per_s(), 5000.0);
  EXPECT_NEAR(h.latest(Series::kSchedulerUtilAvg), 0.25, 1e-6);
  // The next live tick appends.
  kf.mutable_gauges()->set_uptime_ms(601000);
  EXPECT_TRUE(h.ingest(kf));
  EXPECT_EQ(h.size(), 301u);
}

TEST(HistoryBackfill, MalformedHistoryIsIgnored) {
  NodeHistory h;
  auto bad = history_of(10, 1000);
  bad.mutable_columns(0)->add_values(1);
  EXPECT_EQ(h.backfill(bad), 0u);
  EXPECT_EQ(h.size(), 0u);
}

TEST(HistoryBackfill, AHistoryBeforeTheNodesFirstSnapshotWaitsForIt) {
  InspectorModel model({"tcp://127.0.0.1:1"});
  model.receive_history("n@h", history_of(20, 1000));
  auto kf = std::make_shared<v1::Keyframe>();
  kf->mutable_info()->set_node("n@h");
  kf->mutable_gauges()->set_uptime_ms(20000);
  ASSERT_TRUE(model.update(0, {kf}));
  EXPECT_EQ(model.nodes().at("n@h").history.size(), 20u);
}

}  // namespace
}  // namespace beamscope::gui
