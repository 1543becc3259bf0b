#include "beamscope/exporters/node_collectable.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "beamscope/exporters/metric_specs.hpp"
#include "exposition.hpp"
#include "sample_keyframe.hpp"

namespace beamscope::exporters {
namespace {

using beamscope::testing::count_series;
using beamscope::testing::sample_keyframe;
using beamscope::testing::scrape;
using beamscope::testing::value_of;

using Snapshots = std::vector<std::shared_ptr<const v1::Keyframe>>;

std::string scrape_of(Snapshots snaps, CollectableOptions opts = {}) {
  auto c = make_node_collectable([snaps] { return snaps; }, opts);
  return scrape(*c);
}

Snapshots one(v1::Keyframe kf) { return {std::make_shared<const v1::Keyframe>(std::move(kf))}; }

TEST(NodeCollectable, VmGaugesKeepPrometheusErlNames) {
  const auto text = scrape_of(one(sample_keyframe("a@h")));
  EXPECT_EQ(value_of(text, "erlang_vm_process_count"), 1234);
  EXPECT_EQ(value_of(text, "erlang_vm_process_limit"), 262144);
  EXPECT_EQ(value_of(text, "erlang_vm_port_count"), 7);
  EXPECT_EQ(value_of(text, "erlang_vm_atom_limit"), 1048576);
  EXPECT_EQ(value_of(text, "erlang_vm_ets_limit"), 8192);
  EXPECT_EQ(value_of(text, "erlang_vm_memory_ets_tables"), 30);
  EXPECT_EQ(value_of(text, "erlang_vm_statistics_run_queues_length"), 7);  // normal queues only
  EXPECT_EQ(value_of(text, "erlang_vm_statistics_dirty_cpu_run_queue_length"), 2);
  EXPECT_EQ(value_of(text, "erlang_vm_statistics_dirty_io_run_queue_length"), 1);
  EXPECT_EQ(value_of(text, "erlang_vm_statistics_reductions_total"), 123456789);
  EXPECT_EQ(value_of(text, "erlang_vm_statistics_garbage_collection_number_of_gcs"), 5000);
  EXPECT_EQ(value_of(text, "erlang_vm_statistics_garbage_collection_bytes_reclaimed"), 800);
  EXPECT_EQ(value_of(text, "erlang_vm_statistics_bytes_received_total"), 111);
  EXPECT_EQ(value_of(text, "erlang_vm_statistics_bytes_output_total"), 222);
  EXPECT_EQ(value_of(text, "erlang_vm_statistics_context_switches"), 333);
  EXPECT_NE(text.find("# TYPE erlang_vm_statistics_reductions_total counter"), std::string::npos);
  // Untyped: the kept name ends in _count, which promtool reserves for histograms.
  EXPECT_NE(text.find("# TYPE erlang_vm_process_count untyped"), std::string::npos);
  EXPECT_NE(text.find("# TYPE erlang_vm_process_limit gauge"), std::string::npos);
}

TEST(NodeCollectable, StreamRefusalsByReason) {
  auto kf = sample_keyframe("a@h");
  auto* hostile = kf.mutable_agent()->add_stream_rejected();
  hostile->set_reason("bad\"reason\n");  // off the wire: escaped, never trusted
  hostile->set_total(1);
  const auto text = scrape_of(one(kf));
  EXPECT_NE(text.find("# TYPE beamscope_stream_rejected_total counter"), std::string::npos);
  const auto at = text.find("reason=\"bad_frame\"} 4\n");
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_EQ(text.rfind("beamscope_stream_rejected_total{", at), text.rfind('\n', at) + 1);
  EXPECT_EQ(text.find("reason=\"bad\"reason"), std::string::npos);
}

TEST(NodeCollectable, MemoryBreakdown) {
  const auto text = scrape_of(one(sample_keyframe("a@h")));
  EXPECT_EQ(value_of(text, R"(erlang_vm_memory_bytes_total{kind="processes"})"), 4000);
  EXPECT_EQ(value_of(text, R"(erlang_vm_memory_bytes_total{kind="system"})"), 10000);
  EXPECT_EQ(value_of(text, R"(erlang_vm_memory_system_bytes_total{usage="binary"})"), 1000);
  EXPECT_EQ(value_of(text, R"(erlang_vm_memory_system_bytes_total{usage="other"})"), 5000);
  EXPECT_EQ(value_of(text, R"(erlang_vm_memory_processes_bytes_total{usage="free"})"), 1000);
  EXPECT_EQ(value_of(text, R"(erlang_vm_memory_atom_bytes_total{usage="used"})"), 400);
  EXPECT_EQ(value_of(text, R"(erlang_vm_memory_atom_bytes_total{usage="free"})"), 100);
}

TEST(NodeCollectable, SchedulerUtilizationAndIdentity) {
  const auto text = scrape_of(one(sample_keyframe("a@h")));
  EXPECT_EQ(value_of(text, R"(beamscope_scheduler_utilization{type="normal",id="2"})"), 0.25);
  EXPECT_EQ(value_of(text, R"(beamscope_scheduler_utilization{type="dirty_io",id="1"})"), 0.25);
  EXPECT_EQ(count_series(text, "beamscope_scheduler_utilization"), 4u);
  EXPECT_EQ(value_of(text,
                     R"(beamscope_node_info{node="a@h",otp_release="25",erts_version="13.1.5",agent_version="0.1.0"})"),
            1);
  EXPECT_EQ(value_of(text, "beamscope_last_update_timestamp_seconds"), 1'700'000'060);
}

TEST(NodeCollectable, MailboxHistogramIsCumulative) {
  const auto text = scrape_of(one(sample_keyframe("a@h")));
  EXPECT_EQ(value_of(text, R"(beamscope_mailbox_length_bucket{le="0"})"), 1000);
  EXPECT_EQ(value_of(text, R"(beamscope_mailbox_length_bucket{le="1"})"), 1100);
  EXPECT_EQ(value_of(text, R"(beamscope_mailbox_length_bucket{le="10"})"), 1150);
  EXPECT_EQ(value_of(text, R"(beamscope_mailbox_length_bucket{le="100"})"), 1160);
  EXPECT_EQ(value_of(text, R"(beamscope_mailbox_length_bucket{le="+Inf"})"), 1164);
  EXPECT_EQ(value_of(text, "beamscope_mailbox_length_count"), 1164);
  EXPECT_EQ(value_of(text, "beamscope_mailbox_length_sum"), 20000);
  EXPECT_EQ(value_of(text, "beamscope_mailbox_messages"), 20000);
  EXPECT_EQ(count_series(text, "beamscope_mailbox_length_bucket"), 5u);  // exactly one +Inf
}

TEST(NodeCollectable, HistogramWithBrokenBoundsStaysValid) {
  auto kf = sample_keyframe("a@h");
  auto* h = kf.mutable_mailbox_histogram();
  h->set_upper_bounds(2, 1);  // 0, 1, 1, 100: the second 1 is folded into le=100
  h->add_counts(7);           // a count without a bound counts as overflow
  const auto text = scrape_of(one(kf));
  EXPECT_EQ(value_of(text, R"(beamscope_mailbox_length_bucket{le="1"})"), 1100);
  EXPECT_EQ(value_of(text, R"(beamscope_mailbox_length_bucket{le="100"})"), 1160);
  EXPECT_EQ(value_of(text, R"(beamscope_mailbox_length_bucket{le="+Inf"})"), 1171);
  EXPECT_EQ(value_of(text, "beamscope_mailbox_length_count"), 1171);
  EXPECT_EQ(count_series(text, "beamscope_mailbox_length_bucket"), 4u);
}

TEST(NodeCollectable, TopKIsBoundedAndOrdered) {
  const auto text = scrape_of(one(sample_keyframe("a@h", 100)), {.top_k = 20});
  for (const char* name : {"beamscope_process_mailbox_length", "beamscope_process_memory_bytes",
                           "beamscope_process_reductions_per_second"}) {
    EXPECT_EQ(count_series(text, name), 20u) << name;
  }
  // Odd pids are registered: the name label is the registered name, else the initial call.
  EXPECT_EQ(value_of(text, R"(beamscope_process_mailbox_length{pid="<0.100.0>",name="mod:init/100"})"), 1000);
  EXPECT_EQ(value_of(text, R"(beamscope_process_mailbox_length{pid="<0.99.0>",name="proc_99"})"), 990);
  EXPECT_EQ(value_of(text, R"(beamscope_process_memory_bytes{pid="<0.81.0>",name="proc_81"})"), 1081);
  EXPECT_FALSE(value_of(text, R"(beamscope_process_memory_bytes{pid="<0.80.0>",name="mod:init/80"})"));
  EXPECT_EQ(value_of(text, R"(beamscope_process_reductions_per_second{pid="<0.90.0>",name="mod:init/90"})"), 450);
}

TEST(NodeCollectable, ProcessesThatLeftTheTopKAreGone) {
  auto kf = sample_keyframe("a@h", 3);
  Snapshots current = one(kf);
  auto c = make_node_collectable([&] { return current; }, {.top_k = 2});
  auto text = scrape(*c);
  EXPECT_TRUE(value_of(text, R"(beamscope_process_mailbox_length{pid="<0.2.0>",name="mod:init/2"})"));
  kf.mutable_processes(1)->set_message_queue_len(0);  // <0.2.0> drains
  current = one(kf);
  text = scrape(*c);
  EXPECT_FALSE(value_of(text, R"(beamscope_process_mailbox_length{pid="<0.2.0>",name="mod:init/2"})"));
  EXPECT_TRUE(value_of(text, R"(beamscope_process_mailbox_length{pid="<0.1.0>",name="proc_1"})"));
}

TEST(NodeCollectable, GuardedMemoryIsNotRanked) {
  auto kf = sample_keyframe("a@h", 3);
  kf.mutable_processes(2)->set_memory_guarded(true);
  const auto text = scrape_of(one(kf));
  EXPECT_EQ(count_series(text, "beamscope_process_memory_bytes"), 2u);
  EXPECT_EQ(count_series(text, "beamscope_process_mailbox_length"), 3u);
}

TEST(NodeCollectable, LabelValuesAreEscapedEndToEnd) {
  auto kf = sample_keyframe("a@h", 0);
  *kf.add_processes() = beamscope::testing::awkward_process();
  kf.mutable_info()->set_otp_release("2\"5\n");
  const auto text = scrape_of(one(kf));
  EXPECT_EQ(value_of(text,
                     "beamscope_process_mailbox_length{pid=\"<0.999.0>\",name=\"we\\\"ird\\\\na\\nme_"
                     "\xC3\xA9\xE2\x9C\x93\"}"),
            1'000'000);
  EXPECT_NE(text.find("otp_release=\"2\\\"5\\n\""), std::string::npos);
  // No raw newline inside any sample line: every line is a comment or a sample.
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    ASSERT_FALSE(line.empty());
    EXPECT_TRUE(line[0] == '#' || line.rfind("erlang_vm_", 0) == 0 || line.rfind("beamscope_", 0) == 0) << line;
  }
}

TEST(NodeCollectable, InvalidUtf8IsReplaced) {
  auto kf = sample_keyframe("a@h", 0);
  auto* p = kf.add_processes();
  p->set_pid("<0.5.0>");
  p->set_registered_name("bad\xFF");
  p->set_message_queue_len(3);
  const auto text = scrape_of(one(kf));
  EXPECT_EQ(value_of(text, "beamscope_process_mailbox_length{pid=\"<0.5.0>\",name=\"bad\xEF\xBF\xBD\"}"), 3);
}

TEST(NodeCollectable, FleetLabelsEverySeriesWithItsNode) {
  Snapshots fleet = {std::make_shared<const v1::Keyframe>(sample_keyframe("a@h")),
                     std::make_shared<const v1::Keyframe>(sample_keyframe("b@h"))};
  const auto text = scrape_of(fleet, {.label_node = true});
  EXPECT_EQ(value_of(text, R"(erlang_vm_process_count{node="a@h"})"), 1234);
  EXPECT_EQ(value_of(text, R"(erlang_vm_process_count{node="b@h"})"), 1234);
  EXPECT_EQ(value_of(text, R"(erlang_vm_memory_bytes_total{node="b@h",kind="system"})"), 10000);
  EXPECT_EQ(value_of(text, R"(beamscope_mailbox_length_bucket{node="a@h",le="+Inf"})"), 1164);
  EXPECT_EQ(value_of(text, R"(beamscope_node_info{node="b@h",otp_release="25",erts_version="13.1.5",agent_version="0.1.0"})"),
            1);
  // One TYPE line per family even with many nodes.
  std::size_t pos = 0, types = 0;
  while ((pos = text.find("# TYPE erlang_vm_process_count ", pos)) != std::string::npos) ++types, ++pos;
  EXPECT_EQ(types, 1u);
  // Every sample line carries node=.
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line[0] != '#') {
      EXPECT_NE(line.find("{node=\""), std::string::npos) << line;
    }
  }
}

TEST(NodeCollectable, DuplicateNodeNamesAreExportedOnce) {
  auto second = sample_keyframe("a@h");
  second.mutable_gauges()->set_process_count(1);
  Snapshots fleet = {std::make_shared<const v1::Keyframe>(sample_keyframe("a@h")),
                     std::make_shared<const v1::Keyframe>(second)};
  const auto text = scrape_of(fleet, {.label_node = true});
  EXPECT_EQ(count_series(text, "erlang_vm_process_count"), 1u);
  EXPECT_EQ(value_of(text, R"(erlang_vm_process_count{node="a@h"})"), 1234);
}

TEST(NodeCollectable, WithoutNodeLabelOnlyOneNodeIsExported) {
  Snapshots fleet = {std::make_shared<const v1::Keyframe>(sample_keyframe("a@h")),
                     std::make_shared<const v1::Keyframe>(sample_keyframe("b@h"))};
  const auto text = scrape_of(fleet);
  EXPECT_EQ(count_series(text, "erlang_vm_process_count"), 1u);
}

TEST(NodeCollectable, EmptyKeyframeAndBadSourcesYieldNoSeries) {
  EXPECT_EQ(scrape_of({}), "");
  EXPECT_EQ(scrape_of({nullptr}), "");
  v1::Keyframe bare;
  bare.mutable_info()->set_node("x@h");
  const auto text = scrape_of(one(bare));
  EXPECT_EQ(count_series(text, "erlang_vm_process_count"), 0u);
  EXPECT_EQ(count_series(text, "beamscope_mailbox_length_bucket"), 0u);
  auto throwing = make_node_collectable([]() -> Snapshots { throw std::runtime_error("boom"); });
  EXPECT_TRUE(throwing->Collect().empty());
}

TEST(NodeCollectable, SeriesCountDoesNotGrowWithHotSet) {
  auto c_small = scrape_of(one(sample_keyframe("a@h", 30)));
  auto c_large = scrape_of(one(sample_keyframe("a@h", 4000)));
  auto lines = [](const std::string& t) {
    std::size_t n = 0;
    std::istringstream in(t);
    for (std::string line; std::getline(in, line);) n += line[0] != '#';
    return n;
  };
  EXPECT_EQ(lines(c_small), lines(c_large));
}

}  // namespace
}  // namespace beamscope::exporters
