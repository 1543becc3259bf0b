// `history --alerts` / `--tree-changes`: every documented key of the JSON
// document, and the text's one line an entry.
#include <sstream>

#include <gtest/gtest.h>

#include "render/history_render.hpp"

namespace beamscope::cli {
namespace {

v1::HistoryAnswer alert_log() {
  v1::HistoryAnswer a;
  a.set_log(v1::HistoryRequest::ALERTS);
  a.set_oldest_us(1'764'760'000'000'000);
  a.set_entries_omitted(3);
  auto* e = a.add_entries();
  e->set_time_us(1'764'770'100'000'000);
  e->set_kind("raised");
  e->set_subject("<0.312.0>");
  e->set_name("sink");
  e->set_summary("mailbox of sink holds 10500 messages");
  e->set_alert("mailbox_long");
  e->set_severity("critical");
  e->set_pid("<0.312.0>");
  return a;
}

TEST(HistoryLogRender, JsonHasEveryKey) {
  const auto doc = history_log_json("demo@host", v1::HistoryRequest::ALERTS, 5, 0, alert_log());
  EXPECT_EQ(doc["node"], "demo@host");
  EXPECT_EQ(doc["log"], "alerts");
  EXPECT_EQ(doc["from_us"], 5);
  EXPECT_EQ(doc["to_us"], 0);
  EXPECT_EQ(doc["oldest_us"], 1'764'760'000'000'000);
  EXPECT_EQ(doc["count"], 1);
  EXPECT_EQ(doc["omitted"], 3);
  const auto& e = doc["entries"][0];
  for (const char* key : {"time_us", "kind", "subject", "name", "summary", "alert", "severity", "pid"})
    EXPECT_TRUE(e.contains(key)) << key;
  EXPECT_EQ(e["alert"], "mailbox_long");
  EXPECT_EQ(history_log_json("n", v1::HistoryRequest::TREE_CHANGES, 0, 0, {})["log"], "tree_changes");
}

TEST(HistoryLogRender, TextOneLineAnEntry) {
  std::ostringstream out;
  print_history_log_text(out, "demo@host", v1::HistoryRequest::ALERTS, alert_log());
  EXPECT_EQ(out.str(),
            "demo@host alerts, 1 entries (and 3 older: narrow --to)\n"
            "2025-12-03T13:55:00Z  raised       mailbox_long <0.312.0>                    "
            "mailbox of sink holds 10500 messages\n");
}

// A severity change while the alert stays active: its kind, and the
// severity it is at now, in both forms.
TEST(HistoryLogRender, SeverityChangesSayTheNewSeverity) {
  v1::HistoryAnswer a = alert_log();
  a.set_entries_omitted(0);
  auto* up = a.add_entries();
  *up = a.entries(0);
  up->set_time_us(1'764'770'160'000'000);
  up->set_kind("escalated");
  up->set_severity("critical");
  auto* down = a.add_entries();
  *down = a.entries(0);
  down->set_time_us(1'764'770'220'000'000);
  down->set_kind("deescalated");
  down->set_severity("warning");
  down->set_summary("mailbox of sink holds 6000 messages");
  a.mutable_entries(0)->set_severity("warning");

  const auto doc = history_log_json("demo@host", v1::HistoryRequest::ALERTS, 0, 0, a);
  ASSERT_EQ(doc["count"], 3);
  EXPECT_EQ(doc["entries"][1]["kind"], "escalated");
  EXPECT_EQ(doc["entries"][1]["severity"], "critical");
  EXPECT_EQ(doc["entries"][2]["kind"], "deescalated");
  EXPECT_EQ(doc["entries"][2]["severity"], "warning");

  std::ostringstream out;
  print_history_log_text(out, "demo@host", v1::HistoryRequest::ALERTS, a);
  EXPECT_EQ(out.str(),
            "demo@host alerts, 3 entries\n"
            "2025-12-03T13:55:00Z  raised       mailbox_long <0.312.0>                    "
            "mailbox of sink holds 10500 messages\n"
            "2025-12-03T13:56:00Z  escalated    mailbox_long <0.312.0>                    "
            "now critical: mailbox of sink holds 10500 messages\n"
            "2025-12-03T13:57:00Z  deescalated  mailbox_long <0.312.0>                    "
            "now warning: mailbox of sink holds 6000 messages\n");
}

}  // namespace
}  // namespace beamscope::cli
