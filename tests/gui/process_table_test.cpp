// Filtering, lazy sorting and sticky selection of the process table.
#include "process_table.hpp"

#include <gtest/gtest.h>

#include "inspector_model.hpp"
#include "link_status.hpp"

using namespace beamscope::gui;
using beamscope::v1::Keyframe;

namespace {

std::shared_ptr<const Keyframe> rows(std::initializer_list<std::tuple<const char*, const char*, std::uint64_t>> ps) {
  auto kf = std::make_shared<Keyframe>();
  kf->mutable_info()->set_node("n@h");
  kf->mutable_gauges()->set_uptime_ms(1000);
  for (const auto& [pid, name, mbox] : ps) {
    auto* p = kf->add_processes();
    p->set_pid(pid);
    p->set_registered_name(name);
    p->set_initial_call("proc_lib:init_p/5");
    p->set_message_queue_len(mbox);
  }
  return kf;
}

std::vector<std::string> pids(ProcessTable& t) {
  std::vector<std::string> out;
  for (int i : t.visible()) out.push_back(t.row(i).pid());
  return out;
}

}  // namespace

TEST(ProcessTable, DisplayNameAndPidOrder) {
  beamscope::v1::ProcessSample p;
  p.set_pid("<0.1.0>");
  EXPECT_EQ(display_name(p), "<0.1.0>");
  p.set_initial_call("m:f/0");
  EXPECT_EQ(display_name(p), "m:f/0");
  p.set_registered_name("logger");
  EXPECT_EQ(display_name(p), "logger");
  EXPECT_LT(compare_pids("<0.9.0>", "<0.10.0>"), 0);
  EXPECT_GT(compare_pids("<1.0.0>", "<0.99.0>"), 0);
  EXPECT_EQ(compare_pids("<0.5.0>", "<0.5.0>"), 0);
  EXPECT_LT(compare_pids("<0.5.0>", "weird"), 0);
}

TEST(ProcessTable, SortsByColumnAndOnlyWhenDirty) {
  ProcessTable t;
  t.set_data(rows({{"<0.9.0>", "a", 5}, {"<0.10.0>", "b", 50}, {"<0.11.0>", "c", 5}}));
  EXPECT_EQ(pids(t), (std::vector<std::string>{"<0.10.0>", "<0.9.0>", "<0.11.0>"}));  // mailbox desc, ties by pid
  const auto sorts = t.sort_count();
  pids(t);
  EXPECT_EQ(t.sort_count(), sorts);  // nothing changed: no re-sort
  t.set_sort({{ProcessColumn::kPid, false}});
  EXPECT_EQ(pids(t), (std::vector<std::string>{"<0.9.0>", "<0.10.0>", "<0.11.0>"}));
  t.set_sort({{ProcessColumn::kName, true}});
  EXPECT_EQ(pids(t), (std::vector<std::string>{"<0.11.0>", "<0.10.0>", "<0.9.0>"}));
}

TEST(ProcessTable, FilterIsCaseInsensitiveOverFields) {
  ProcessTable t;
  t.set_data(rows({{"<0.1.0>", "Logger", 0}, {"<0.2.0>", "", 0}, {"<0.3.0>", "code_server", 0}}));
  t.set_filter("LOG");
  EXPECT_EQ(pids(t), (std::vector<std::string>{"<0.1.0>"}));
  t.set_filter("<0.2.");
  EXPECT_EQ(pids(t), (std::vector<std::string>{"<0.2.0>"}));
  t.set_filter("proc_lib");  // initial call
  EXPECT_EQ(t.visible().size(), 3u);
  t.set_filter("");
  EXPECT_EQ(t.visible().size(), 3u);
}

TEST(ProcessTable, SelectionSurvivesRefreshAndRemembersLeavers) {
  ProcessTable t;
  t.set_data(rows({{"<0.1.0>", "a", 1}, {"<0.2.0>", "b", 2}}));
  t.select("<0.2.0>");
  ASSERT_TRUE(t.selection().sample);
  EXPECT_TRUE(t.selection().in_hot_set);
  t.set_data(rows({{"<0.2.0>", "b", 20}, {"<0.3.0>", "c", 3}}));
  EXPECT_EQ(t.selection().sample->message_queue_len(), 20u);
  t.set_data(rows({{"<0.3.0>", "c", 3}}));
  ASSERT_TRUE(t.selection().sample);
  EXPECT_FALSE(t.selection().in_hot_set);
  EXPECT_EQ(t.selection().sample->message_queue_len(), 20u);
  t.clear_selection();
  EXPECT_FALSE(t.selection().sample);
}

TEST(ProcessTable, FindsAHotProcessByPid) {
  ProcessTable t;
  EXPECT_EQ(t.find("<0.1.0>"), nullptr);
  t.set_data(rows({{"<0.1.0>", "a", 1}, {"<0.2.0>", "b", 7}}));
  ASSERT_NE(t.find("<0.2.0>"), nullptr);
  EXPECT_EQ(t.find("<0.2.0>")->message_queue_len(), 7u);
  t.set_data(rows({{"<0.1.0>", "a", 1}}));
  EXPECT_EQ(t.find("<0.2.0>"), nullptr);  // left the hot set
}

TEST(InspectorModel, NodesSelectionAndTracking) {
  InspectorModel m({"tcp://127.0.0.1:9755"});
  EXPECT_FALSE(m.has_data());
  EXPECT_EQ(m.waiting_text(), "Waiting for tcp://127.0.0.1:9755 \xE2\x80\x94 no agent answering yet");
  auto kf = rows({{"<0.1.0>", "a", 1}});
  EXPECT_TRUE(m.update(0, {kf}));
  EXPECT_FALSE(m.update(0, {kf}));  // same pointer: nothing to do
  ASSERT_NE(m.selected(), nullptr);
  EXPECT_EQ(m.selected_name(), "n@h");
  m.select_process("<0.1.0>");
  EXPECT_EQ(m.selected()->selected_mailbox.size(), 1u);
  auto next = std::make_shared<Keyframe>(*kf);
  next->mutable_gauges()->set_uptime_ms(2000);
  next->mutable_processes(0)->set_message_queue_len(9);
  EXPECT_TRUE(m.update(0, {next}));
  EXPECT_EQ(m.selected()->selected_mailbox.size(), 2u);
  EXPECT_FLOAT_EQ(m.selected()->selected_mailbox.back(), 9.f);
  EXPECT_EQ(m.selected()->history.size(), 2u);
}

TEST(LinkStatus, Wording) {
  EXPECT_EQ(describe_link(false, 0, 5'000'000).text, "connecting");
  EXPECT_EQ(describe_link(true, 4'000'000, 5'000'000).state, LinkState::kConnected);
  EXPECT_EQ(describe_link(true, 1'000'000, 13'500'000).text, "stale 12s");
  EXPECT_EQ(describe_link(false, 4'000'000, 5'000'000).state, LinkState::kStale);
}

TEST(LinkStatus, AnIdleInspectorSleepsUntilAnAgeTextChanges) {
  // No node heard: redraw each second (the "connecting" screen).
  EXPECT_DOUBLE_EQ(idle_wait_s({}, 5'000'000), 1.0);
  EXPECT_DOUBLE_EQ(idle_wait_s({0}, 5'000'000), 1.0);
  // Heard 0.3 s ago: the age reads "1s" at 1.0 s; wake at 1.2 s, after a
  // node streaming each second has woken the loop with its frame.
  EXPECT_NEAR(idle_wait_s({4'700'000}, 5'000'000), 0.9, 1e-9);
  // Stale for 12.9 s: the text turns "stale 13s" in 0.1 s.
  EXPECT_NEAR(idle_wait_s({1'000'000}, 13'900'000), 0.3, 1e-9);
  // Two nodes: the first text to change decides.
  EXPECT_NEAR(idle_wait_s({4'700'000, 1'000'000}, 13'900'000), 0.3, 1e-9);
  // Never less than 50 ms.
  EXPECT_GE(idle_wait_s({4'999'999}, 5'000'000), 0.05);
}

TEST(LinkStatus, DroppingWhenTheServersLatestFramesWereAllDropped) {
  const std::string why = "3 frames dropped from tcp://h:1: wrong major version 2 (this build reads 1)";
  // Never heard a good frame, frames dropped: say so, not "connecting".
  auto s = describe_link(false, 0, 5'000'000, {}, why, 4'000'000);
  EXPECT_EQ(s.state, LinkState::kDropping);
  EXPECT_EQ(s.text, why);
  EXPECT_STREQ(link_state_name(s.state), "dropping");
  // Good frames flowing: an old dropped frame is not the link's state.
  EXPECT_EQ(describe_link(true, 4'500'000, 5'000'000, {}, why, 4'000'000).state, LinkState::kConnected);
  // Stale after good frames, and drops since: dropping; drops only before: stale.
  EXPECT_EQ(describe_link(false, 1'000'000, 9'000'000, {}, why, 8'000'000).state, LinkState::kDropping);
  EXPECT_EQ(describe_link(false, 8'000'000, 12'000'000, {}, why, 1'000'000).state, LinkState::kStale);
  // A refusal still wins.
  EXPECT_EQ(describe_link(false, 0, 5'000'000, "not authorized by tcp://h:1", why, 4'000'000).state,
            LinkState::kRefused);
}

TEST(LinkStatus, ANodeThatLeftAFineLinkIsGoneWithItsReason) {
  const LinkStatus fine{LinkState::kConnected, "connected"};
  EXPECT_EQ(describe_node(fine, 0, "", 9'000'000).state, LinkState::kConnected);
  const auto gone = describe_node(fine, 4'000'000, "no data from tcp://a:1 for 3 s", 16'500'000);
  EXPECT_EQ(gone.state, LinkState::kGone);
  EXPECT_EQ(gone.text, "gone 12s: no data from tcp://a:1 for 3 s");
  EXPECT_STREQ(link_state_name(gone.state), "gone");
  EXPECT_EQ(describe_node(fine, 4'000'000, "", 4'500'000).text, "gone 0s");
  // The link in trouble is the cause: its own words.
  const LinkStatus stale{LinkState::kStale, "stale 5s"};
  EXPECT_EQ(describe_node(stale, 4'000'000, "x", 9'000'000).text, "stale 5s");
}

TEST(InspectorModel, ANodeMissingFromItsEndpointIsMarkedGoneAndBackWithItsNextFrame) {
  auto a = std::make_shared<Keyframe>();
  a->mutable_info()->set_node("a@h");
  auto b = std::make_shared<Keyframe>();
  b->mutable_info()->set_node("b@h");
  auto other = std::make_shared<Keyframe>();
  other->mutable_info()->set_node("c@h");
  InspectorModel m({"tcp://collector:1", "tcp://agent:2"});
  m.prefer_node("b@h");
  EXPECT_TRUE(m.update(0, {a, b}, 1'000'000));
  EXPECT_TRUE(m.update(1, {other}, 1'000'000));
  EXPECT_EQ(m.selected_name(), "b@h");  // --node, though a was heard first
  // b leaves the collector's stream: kept, with its last state, marked.
  m.node_left("b@h", "no data from tcp://b:3 for 3 s");
  EXPECT_TRUE(m.update(0, {a}, 2'000'000));
  EXPECT_EQ(m.nodes().at("b@h").gone_at_us, 2'000'000);
  EXPECT_EQ(m.nodes().at("b@h").latest, b);
  EXPECT_EQ(m.nodes().at("b@h").gone_reason, "no data from tcp://b:3 for 3 s");
  EXPECT_EQ(m.nodes().at("a@h").gone_at_us, 0);
  // Another endpoint's snapshots say nothing about b; the mark keeps its time.
  EXPECT_FALSE(m.update(1, {other}, 3'000'000));
  EXPECT_FALSE(m.update(0, {a}, 3'000'000));
  EXPECT_EQ(m.nodes().at("b@h").gone_at_us, 2'000'000);
  // Back with a new keyframe: unmarked.
  auto b2 = std::make_shared<Keyframe>(*b);
  EXPECT_TRUE(m.update(0, {a, b2}, 4'000'000));
  EXPECT_EQ(m.nodes().at("b@h").gone_at_us, 0);
}

TEST(ProcessInquiry, AsksForTheShownProcessEveryTwoSecondsAndDropsStaleAnswers) {
  ProcessInquiry q;
  EXPECT_FALSE(q.poll("", 0.0));  // nothing shown: nothing asked
  auto first = q.poll("<0.9.0>", 1.0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->pid(), "<0.9.0>");
  EXPECT_FALSE(q.poll("<0.9.0>", 1.5));  // in flight
  beamscope::v1::ProcessDetail d;
  d.set_request_id(first->request_id());
  d.set_pid("<0.9.0>");
  d.set_status("waiting");
  EXPECT_TRUE(q.receive(d, 1.6));
  ASSERT_NE(q.detail_for("<0.9.0>"), nullptr);
  EXPECT_EQ(q.detail_for("<0.9.0>")->status(), "waiting");
  EXPECT_EQ(q.detail_for("<0.10.0>"), nullptr);
  EXPECT_FALSE(q.poll("<0.9.0>", 3.0));  // fresh for 2 s
  auto again = q.poll("<0.9.0>", 3.7);
  ASSERT_TRUE(again);
  EXPECT_NE(again->request_id(), first->request_id());
  EXPECT_FALSE(q.receive(d, 3.8));  // the answer to the first request: stale now
  EXPECT_EQ(q.stale_answers(), 1u);
  // Another process selected: the old answer is not shown for it, and a
  // late answer about the old one is stale.
  auto other = q.poll("<0.10.0>", 3.9);
  ASSERT_TRUE(other);
  EXPECT_EQ(q.detail_for("<0.10.0>"), nullptr);
  d.set_request_id(again->request_id());
  EXPECT_FALSE(q.receive(d, 4.0));
  // Lost: after 5 s without an answer it says so and asks again.
  EXPECT_FALSE(q.poll("<0.10.0>", 8.0));
  EXPECT_TRUE(q.poll("<0.10.0>", 9.0));
  EXPECT_EQ(q.problem(), "no answer from the agent in 5 s");
}

TEST(ActionDesk, OffersWhatTheAgentAllowsSendsOneAtATimeAndWordsTheResult) {
  google::protobuf::RepeatedPtrField<std::string> allowed;
  EXPECT_TRUE(ActionDesk::offered(allowed).empty());
  *allowed.Add() = "kill";
  *allowed.Add() = "suspend";
  *allowed.Add() = "resume";
  const auto offered = ActionDesk::offered(allowed);
  ASSERT_EQ(offered.size(), 3u);  // resume comes with suspend; kill last
  EXPECT_EQ(offered[0], beamscope::v1::ActionRequest::SUSPEND);
  EXPECT_EQ(offered[2], beamscope::v1::ActionRequest::KILL);

  ActionDesk desk;
  EXPECT_EQ(desk.status(0), "");
  auto req = desk.press(beamscope::v1::ActionRequest::GC, "<0.9.0>", 1.0);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->pid(), "<0.9.0>");
  EXPECT_FALSE(desk.press(beamscope::v1::ActionRequest::KILL, "<0.9.0>", 1.5));  // one at a time
  EXPECT_EQ(desk.status(1.5), "gc <0.9.0>: asking");
  beamscope::v1::ActionResult r;
  r.set_request_id(req->request_id() + 1);
  EXPECT_FALSE(desk.receive(r, 1.6));  // not the one in flight
  r.set_request_id(req->request_id());
  r.set_ok(false);
  r.set_error("action gc is off on this agent: add gc to the beamscope application env allow_actions (see README)");
  EXPECT_TRUE(desk.receive(r, 1.7));
  EXPECT_TRUE(desk.last_failed());
  EXPECT_EQ(desk.status(1.7).rfind("gc <0.9.0>: action gc is off", 0), 0u);
  // A lost answer frees the desk after 5 s and says so.
  ASSERT_TRUE(desk.press(beamscope::v1::ActionRequest::GC, "<0.9.0>", 2.0));
  EXPECT_EQ(desk.status(7.5), "gc <0.9.0>: no answer in 5 s");
  EXPECT_TRUE(desk.press(beamscope::v1::ActionRequest::GC, "<0.9.0>", 7.5));
}
