// The families added with protocol 1.1: GC-rate top-K, per-application
// aggregates, system_monitor counters and the sweep budget / agent size.
#include <gtest/gtest.h>

#include <string>

#include "beamscope/exporters/node_collectable.hpp"
#include "exposition.hpp"
#include "sample_keyframe.hpp"

namespace beamscope::exporters {
namespace {

using beamscope::testing::count_series;
using beamscope::testing::sample_keyframe;
using beamscope::testing::scrape;
using beamscope::testing::scrape_keyframe;
using beamscope::testing::value_of;

TEST(AggregateFamilies, GcRateTopK) {
  CollectableOptions opts;
  opts.top_k = 2;
  const auto text = scrape_keyframe(sample_keyframe("a@h", 5), opts);
  EXPECT_EQ(count_series(text, "beamscope_process_minor_gcs_per_second"), 2u);
  EXPECT_EQ(value_of(text, R"(beamscope_process_minor_gcs_per_second{pid="<0.5.0>",name="proc_5"})"), 10);
  // Process 4 is unregistered: named by its initial call.
  EXPECT_EQ(value_of(text, R"(beamscope_process_minor_gcs_per_second{pid="<0.4.0>",name="mod:init/4"})"), 8);
}

TEST(AggregateFamilies, PerApplicationSeries) {
  const auto text = scrape_keyframe(sample_keyframe("a@h"));
  EXPECT_EQ(value_of(text, R"(beamscope_application_processes{application="demo"})"), 1100);
  EXPECT_EQ(value_of(text, R"(beamscope_application_memory_bytes{application="kernel"})"), 20000);
  EXPECT_EQ(value_of(text, R"(beamscope_application_mailbox_messages{application="demo"})"), 2200);
  EXPECT_EQ(value_of(text, R"(beamscope_application_reductions_total{application="kernel"})"), 2000);
  EXPECT_EQ(value_of(text, R"x(beamscope_application_processes{application="(none)"})x"), 114);
  EXPECT_EQ(value_of(text, "beamscope_applications_omitted"), 0);
  EXPECT_NE(text.find("# TYPE beamscope_application_reductions_total counter"), std::string::npos);
}

TEST(AggregateFamilies, ApplicationSeriesAreCapped) {
  auto kf = sample_keyframe("a@h");
  kf.clear_applications();
  for (int i = 0; i < 300; ++i) {
    auto* a = kf.add_applications();
    a->set_name("app_" + std::to_string(i));
    a->set_processes(1);
  }
  const auto text = scrape_keyframe(std::move(kf));
  EXPECT_EQ(count_series(text, "beamscope_application_processes"), 256u);
  EXPECT_EQ(value_of(text, "beamscope_applications_omitted"), 44);
}

TEST(AggregateFamilies, MonitorCountersOnlyWhenEnabled) {
  auto text = scrape_keyframe(sample_keyframe("a@h"));
  EXPECT_EQ(value_of(text, "beamscope_monitor_enabled"), 1);
  EXPECT_EQ(value_of(text, R"(beamscope_monitor_events_total{kind="long_gc"})"), 3);
  EXPECT_EQ(value_of(text, R"(beamscope_monitor_events_total{kind="long_schedule"})"), 7);
  EXPECT_EQ(value_of(text, R"(beamscope_monitor_events_total{kind="busy_dist_port"})"), 0);
  EXPECT_EQ(count_series(text, "beamscope_monitor_events_total"), 6u);

  auto kf = sample_keyframe("a@h");
  kf.mutable_monitor()->set_enabled(false);
  text = scrape_keyframe(std::move(kf));
  EXPECT_EQ(value_of(text, "beamscope_monitor_enabled"), 0);
  EXPECT_EQ(count_series(text, "beamscope_monitor_events_total"), 0u);
}

TEST(AggregateFamilies, AgentHealth) {
  const auto text = scrape_keyframe(sample_keyframe("a@h"));
  EXPECT_EQ(value_of(text, "beamscope_sweep_budget_ratio"), 0.01);
  EXPECT_EQ(value_of(text, "beamscope_sweep_cost_ratio"), 0.004);
  EXPECT_EQ(value_of(text, "beamscope_sweep_chunk_max_seconds"), 0.0003);
  EXPECT_EQ(value_of(text, "beamscope_sweep_guarded_total"), 5);
  EXPECT_EQ(value_of(text, "beamscope_sweep_period_seconds"), 1);
  EXPECT_EQ(value_of(text, "beamscope_agent_tracked_processes"), 1234);
  EXPECT_EQ(value_of(text, "beamscope_agent_bytes_per_process"), 96);
}

TEST(AggregateFamilies, FleetLabelsApplicationsWithTheirNode) {
  auto a = std::make_shared<const v1::Keyframe>(sample_keyframe("a@h"));
  auto b = std::make_shared<const v1::Keyframe>(sample_keyframe("b@h"));
  CollectableOptions opts;
  opts.label_node = true;
  auto c = make_node_collectable([a, b] { return std::vector<std::shared_ptr<const v1::Keyframe>>{a, b}; }, opts);
  const auto text = scrape(*c);
  EXPECT_EQ(value_of(text, R"(beamscope_application_processes{node="b@h",application="demo"})"), 1100);
  EXPECT_EQ(value_of(text, R"(beamscope_monitor_events_total{node="a@h",kind="long_gc"})"), 3);
}

}  // namespace
}  // namespace beamscope::exporters
