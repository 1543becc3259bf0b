// The human-readable output: the numbers a person looks for are there.
#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>

#include "cli_fixtures.hpp"
#include "render/render.hpp"

namespace beamscope::cli {
namespace {

TEST(TextRender, OverviewShowsCountsAndMemory) {
  std::ostringstream out;
  print_overview_text(out, testing::full_keyframe(), 1);
  const std::string text = out.str();
  EXPECT_NE(text.find("demo@host"), std::string::npos);
  EXPECT_NE(text.find("50123 / 262144"), std::string::npos) << text;
  EXPECT_NE(text.find("10050 messages"), std::string::npos) << text;
  EXPECT_NE(text.find("25%"), std::string::npos) << text;
}

TEST(TextRender, TopHasHeaderAndOneRowPerProcess) {
  std::vector<v1::ProcessSample> rows{testing::full_process()};
  rows[0].set_registered_name(std::string(100, 'x'));  // cut, not wrapped
  std::ostringstream out;
  print_top_text(out, "demo@host", protocol::SortKey::kMailbox, rows);
  const std::string text = out.str();
  EXPECT_NE(text.find("MAILBOX"), std::string::npos);
  EXPECT_NE(text.find("<0.123.0>"), std::string::npos);
  EXPECT_NE(text.find("10001"), std::string::npos);
  EXPECT_EQ(text.find(std::string(40, 'x')), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
  // The agent's growth and time to the alarm, as sent.
  EXPECT_NE(text.find("GROWTH/S"), std::string::npos) << text;
  EXPECT_NE(text.find("+250"), std::string::npos) << text;
  EXPECT_NE(text.find("42s"), std::string::npos) << text;
}

TEST(TextRender, AlertsOneLineEachMostSevereFirstAsSent) {
  v1::Keyframe kf;
  auto* a = kf.mutable_alerts()->add_active();
  a->set_kind(v1::Alert::RESTART_STORM);
  a->set_severity(v1::Alert::CRITICAL);
  a->set_summary("restart storm under supervisor pool_sup: 42 restarts in the last 10 s");
  auto* b = kf.mutable_alerts()->add_active();
  b->set_kind(v1::Alert::ATOM_LIMIT);
  b->set_summary("atoms: 850000 of 1048576 (81% of the limit)");
  kf.mutable_alerts()->set_omitted(3);
  std::ostringstream out;
  print_alerts_text(out, "demo@host", kf);
  EXPECT_EQ(out.str(),
            "demo@host: 2 alerts (and 3 more not sent)\n"
            "critical restart_storm        restart storm under supervisor pool_sup: 42 restarts in the last 10 s\n"
            "warning  atom_limit           atoms: 850000 of 1048576 (81% of the limit)\n");
}

TEST(AlertsJson, EveryFieldAndTheSubjectsType) {
  v1::Keyframe kf;
  auto* a = kf.mutable_alerts()->add_active();
  a->set_kind(v1::Alert::MAILBOX_GROWING);
  a->set_severity(v1::Alert::CRITICAL);
  a->set_subject("<0.9.0>");
  a->set_pid("<0.9.0>");
  a->set_name("sink");
  a->set_value(1500);
  a->set_limit(10000);
  a->set_rate_per_s(500);
  a->set_seconds_to_limit(17);
  a->set_since_us(1700000000000000);
  a->set_summary("s");
  const nlohmann::json doc = alerts_json("demo@host", 5, kf);
  const nlohmann::json expected{{"node", "demo@host"},
                                {"timestamp_us", 5},
                                {"omitted", 0},
                                {"alerts",
                                 {{{"kind", "mailbox_growing"},
                                   {"severity", "critical"},
                                   {"subject", "<0.9.0>"},
                                   {"subject_type", "process"},
                                   {"pid", "<0.9.0>"},
                                   {"name", "sink"},
                                   {"value", 1500.0},
                                   {"limit", 10000.0},
                                   {"rate_per_s", 500.0},
                                   {"seconds_to_limit", 17.0},
                                   {"since_us", 1700000000000000},
                                   {"summary", "s"}}}}};
  EXPECT_EQ(doc, expected) << doc.dump(2);
  EXPECT_EQ(alerts_json("n", 0, v1::Keyframe{})["alerts"], nlohmann::json::array());
}

}  // namespace
}  // namespace beamscope::cli
