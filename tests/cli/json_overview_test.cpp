// The overview document: every field name and value, exactly.
#include <gtest/gtest.h>

#include "cli_fixtures.hpp"
#include "render/render.hpp"

namespace beamscope::cli {
namespace {

using nlohmann::json;

TEST(OverviewJson, IdentityAndGauges) {
  const json doc = overview_json(testing::full_keyframe(), 1700000001000000);
  EXPECT_EQ(doc["node"], "demo@host");
  EXPECT_EQ(doc["otp_release"], "25");
  EXPECT_EQ(doc["erts_version"], "13.1.5");
  EXPECT_EQ(doc["system_version"], "Erlang/OTP 25 [erts-13.1.5]");
  EXPECT_EQ(doc["agent_version"], "0.1.0");
  EXPECT_EQ(doc["started_at_us"], 1700000000000000);
  EXPECT_EQ(doc["schedulers_online"], 2);
  EXPECT_EQ(doc["dirty_cpu_schedulers_online"], 2);
  EXPECT_EQ(doc["word_size_bytes"], 8);
  EXPECT_EQ(doc["timestamp_us"], 1700000001000000);
  EXPECT_EQ(doc["uptime_ms"], 60000);
  EXPECT_EQ(doc["process_count"], 50123);
  EXPECT_EQ(doc["process_limit"], 262144);
  EXPECT_EQ(doc["port_count"], 7);
  EXPECT_EQ(doc["port_limit"], 65536);
  EXPECT_EQ(doc["atom_count"], 15000);
  EXPECT_EQ(doc["atom_limit"], 1048576);
  EXPECT_EQ(doc["ets_count"], 30);
  EXPECT_EQ(doc["ets_limit"], 8192);
  EXPECT_EQ(doc["run_queue"], 3);
  EXPECT_EQ(doc["run_queue_lengths"], json({1, 2}));
  EXPECT_EQ(doc["dirty_cpu_run_queue"], 4);
  EXPECT_EQ(doc["dirty_io_run_queue"], 5);
  EXPECT_EQ(doc["reductions_total"], 999999);
  EXPECT_EQ(doc["context_switches_total"], 4444);
  EXPECT_EQ(doc["hot_processes"], 1);
}

TEST(OverviewJson, MemoryGcIoAndSchedulers) {
  const json doc = overview_json(testing::full_keyframe(), 0);
  EXPECT_EQ(doc["memory_bytes"], (json{{"total", 100}, {"processes", 40}, {"processes_used", 39},
                                       {"system", 60}, {"atom", 11}, {"atom_used", 10},
                                       {"binary", 12}, {"code", 13}, {"ets", 14}}));
  EXPECT_EQ(doc["gc"], (json{{"count_total", 321}, {"words_reclaimed_total", 654}}));
  EXPECT_EQ(doc["io"], (json{{"input_bytes_total", 1111}, {"output_bytes_total", 2222}}));
  ASSERT_EQ(doc["scheduler_utilization"].size(), 2u);
  EXPECT_EQ(doc["scheduler_utilization"][0], (json{{"kind", "normal"}, {"id", 1}, {"utilization", 0.25}}));
  EXPECT_EQ(doc["scheduler_utilization"][1], (json{{"kind", "dirty_io"}, {"id", 3}, {"utilization", 0.5}}));
}

TEST(OverviewJson, MailboxSweepAgent) {
  const json doc = overview_json(testing::full_keyframe(), 0);
  const json& mb = doc["mailbox"];
  EXPECT_EQ(mb["sum"], 10050);
  EXPECT_EQ(mb["processes"], 50101);
  EXPECT_EQ(mb["overflow"], 1);
  ASSERT_EQ(mb["buckets"].size(), 3u);
  EXPECT_EQ(mb["buckets"][0], (json{{"le", 0}, {"count", 50000}}));
  EXPECT_EQ(mb["buckets"][1], (json{{"le", 10}, {"count", 100}}));
  EXPECT_TRUE(mb["buckets"][2]["le"].is_null());
  EXPECT_EQ(mb["buckets"][2]["count"], 1);
  EXPECT_EQ(doc["sweep"], (json{{"processes_swept", 50101}, {"duration_us", 12000}, {"period_ms", 1000},
                                {"sweeps_total", 42}, {"tick_cost_us", 15000}, {"budget_ratio", 0.01},
                                {"cost_ratio", 0.004}, {"chunk_us_max", 900}, {"guarded_total", 6},
                                {"progress", 20000}}));
  EXPECT_EQ(doc["agent"], (json{{"frames_sent_total", 77}, {"frames_dropped_total", 1},
                                {"frames_rejected_total", 2}, {"memory_bytes", 4096}, {"viewers", 3},
                                {"stream_rejected", {{"too_many_viewers", 5}}},
                                {"collectors", json::array({json{{"endpoint", "tcp://collector:9758"},
                                                                 {"connected", true},
                                                                 {"refused", ""},
                                                                 {"connections_total", 2},
                                                                 {"frames_dropped_total", 4}}})},
                                {"peer_agents", json::array({json{{"node", "b@host"},
                                                                  {"endpoint", "tcp://host:9755"},
                                                                  {"encrypted", true}}})},
                                {"events_dropped_total", 9}}));
}

TEST(OverviewJson, EmptyKeyframeStillHasEveryField) {
  // A field must never vanish because its value is 0: scripts index it.
  const json empty = overview_json(v1::Keyframe{}, 0);
  const json full = overview_json(testing::full_keyframe(), 0);
  for (const auto& [key, value] : full.items()) EXPECT_TRUE(empty.contains(key)) << key;
  EXPECT_EQ(empty["mailbox"]["buckets"].size(), 1u);  // only the overflow bucket
}

TEST(OverviewJson, DumpIsOneParsableDocument) {
  const std::string text = dump_json(overview_json(testing::full_keyframe(), 5));
  const json back = json::parse(text);
  EXPECT_EQ(back["process_count"], 50123);
}

}  // namespace
}  // namespace beamscope::cli
