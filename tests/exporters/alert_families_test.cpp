// Alerts as series (protocol 1.3): one per alert with bounded labels,
// counts by kind, what was omitted; the agent's growth and time to the
// alarm per process.
#include <gtest/gtest.h>

#include <string>

#include "beamscope/protocol/limits.hpp"
#include "exposition.hpp"
#include "sample_keyframe.hpp"

namespace beamscope::exporters {
namespace {

using beamscope::testing::count_series;
using beamscope::testing::sample_keyframe;
using beamscope::testing::scrape_keyframe;
using beamscope::testing::value_of;

TEST(AlertFamilies, OneSeriesPerAlertWithItsSubject) {
  const auto text = scrape_keyframe(sample_keyframe("a@h"));
  EXPECT_EQ(count_series(text, "beamscope_alert_active"), 3u);
  EXPECT_EQ(value_of(text, R"(beamscope_alert_active{kind="restart_storm",severity="critical",)"
                           R"(subject="demo/demo_sup/pool_sup",name="pool_sup",pid="<0.80.0>"})"),
            1);
  EXPECT_EQ(value_of(text, R"(beamscope_alert_active{kind="atom_limit",severity="warning",subject="",name="",pid=""})"),
            1);
  EXPECT_EQ(value_of(text, R"(beamscope_alerts{kind="mailbox_growing",severity="warning"})"), 1);
  EXPECT_EQ(value_of(text, "beamscope_alerts_omitted"), 2);
}

TEST(AlertFamilies, NothingFromAnAgentWithoutAlertsAndZeroWhenNoneAreActive) {
  auto kf = sample_keyframe("a@h");
  kf.clear_alerts();
  auto text = scrape_keyframe(kf);
  EXPECT_EQ(text.find("beamscope_alert"), std::string::npos);
  kf.mutable_alerts();  // an agent of 1.3 with nothing raised
  text = scrape_keyframe(kf);
  EXPECT_EQ(count_series(text, "beamscope_alert_active"), 0u);
  EXPECT_EQ(value_of(text, "beamscope_alerts_omitted"), 0);
}

TEST(AlertFamilies, ForgedFramesCannotRepeatOrGrowSeries) {
  auto kf = sample_keyframe("a@h");
  auto* alerts = kf.mutable_alerts();
  alerts->clear_active();
  for (int i = 0; i < 200; ++i) {
    auto* a = alerts->add_active();
    a->set_kind(v1::Alert::LONG_GC);
    a->set_subject("<0." + std::to_string(i / 2) + ".0>");  // each twice
  }
  const auto text = scrape_keyframe(kf);
  EXPECT_EQ(count_series(text, "beamscope_alert_active"), protocol::limits::kMaxAlerts);
}

TEST(ProcessGrowthFamilies, TheAgentsFiguresForTheFastestGrowing) {
  CollectableOptions opts;
  opts.top_k = 2;
  auto kf = sample_keyframe("a@h", 9);
  kf.mutable_processes(2)->set_seconds_to_threshold(0);  // <0.3.0>: already at the alarm
  const auto text = scrape_keyframe(kf, opts);
  // Processes 2, 3, 5, 6, 8, 9 grow at 1.5 times their number a second:
  // the top 2 are 9 and 8.
  EXPECT_EQ(count_series(text, "beamscope_process_mailbox_growth_per_second"), 2u);
  EXPECT_EQ(value_of(text, R"(beamscope_process_mailbox_growth_per_second{pid="<0.9.0>",name="proc_9"})"), 13.5);
  EXPECT_EQ(value_of(text, R"(beamscope_process_mailbox_growth_per_second{pid="<0.8.0>",name="mod:init/8"})"), 12);
  EXPECT_NEAR(value_of(text, R"(beamscope_process_mailbox_seconds_to_alarm{pid="<0.9.0>",name="proc_9"})").value_or(-1),
              100.0 / 9, 1e-6);
  // Process 3 grows but has no time to the alarm (0: already there): no series.
  const auto all = scrape_keyframe(kf);
  EXPECT_EQ(count_series(all, "beamscope_process_mailbox_growth_per_second"), 6u);
  EXPECT_EQ(count_series(all, "beamscope_process_mailbox_seconds_to_alarm"), 5u);
  EXPECT_FALSE(value_of(all, R"(beamscope_process_mailbox_seconds_to_alarm{pid="<0.3.0>",name="proc_3"})"));
}

}  // namespace
}  // namespace beamscope::exporters
