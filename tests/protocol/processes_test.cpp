// The vocabulary of process pages, detail and actions, and the generic
// request/answer pairing (protocol 1.3).
#include <gtest/gtest.h>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/processes.hpp"
#include "beamscope/protocol/requests.hpp"
#include "beamscope/protocol/version.hpp"

namespace bp = beamscope::protocol;
using bp::ActionRequest;
using bp::Envelope;
using bp::ProcessesRequest;

TEST(Processes, SortKeyNamesRoundTrip) {
  EXPECT_EQ(bp::page_sort_keys().size(), 6u);
  for (auto key : bp::page_sort_keys()) {
    const auto name = bp::page_key_name(key);
    ASSERT_TRUE(bp::parse_page_key(name)) << name;
    EXPECT_EQ(*bp::parse_page_key(name), key);
    EXPECT_NE(bp::page_key_title(key), "unknown");
  }
  EXPECT_EQ(bp::page_key_name(ProcessesRequest::MAILBOX_GROWTH), "growth");
  EXPECT_EQ(bp::page_key_name(ProcessesRequest::MINOR_GCS), "gc");
  EXPECT_FALSE(bp::parse_page_key("Mailbox"));
  EXPECT_FALSE(bp::parse_page_key(""));
}

TEST(Processes, ActionNamesAndSettings) {
  for (auto a : bp::actions()) EXPECT_EQ(*bp::parse_action(bp::action_name(a)), a);
  EXPECT_EQ(bp::action_setting(ActionRequest::RESUME), "suspend");
  EXPECT_EQ(bp::action_setting(ActionRequest::KILL), "kill");
  const auto text = bp::action_refusal(ActionRequest::RESUME);
  EXPECT_NE(text.find("allow_actions"), std::string::npos) << text;
  EXPECT_NE(text.find("add suspend"), std::string::npos) << text;
}

TEST(Processes, PidText) {
  EXPECT_TRUE(bp::is_pid_text("<0.123.0>"));
  EXPECT_TRUE(bp::is_pid_text("<12.1.2>"));
  EXPECT_FALSE(bp::is_pid_text("<0.123>"));
  EXPECT_FALSE(bp::is_pid_text("<0.1.2.3>"));
  EXPECT_FALSE(bp::is_pid_text("<0..2>"));
  EXPECT_FALSE(bp::is_pid_text("0.1.2"));
  EXPECT_FALSE(bp::is_pid_text("<a.1.2>"));
  EXPECT_FALSE(bp::is_pid_text("<0.12345678901.2>"));
  EXPECT_FALSE(bp::is_pid_text("list_to_atom"));
}

TEST(Processes, ChecksSayWhy) {
  auto r = bp::processes_request(ProcessesRequest::MEMORY, 0, 100);
  EXPECT_FALSE(bp::check(r));
  r.set_limit(0);
  EXPECT_TRUE(bp::check(r));
  r.set_limit(bp::limits::kMaxPageProcesses + 1);
  ASSERT_TRUE(bp::check(r));
  EXPECT_NE(bp::check(r)->find("above 1000"), std::string::npos);
  r.set_limit(10);
  r.set_name_filter(std::string(bp::limits::kMaxNameFilter + 1, 'x'));
  EXPECT_TRUE(bp::check(r));
  r.set_name_filter("");
  r.set_sort(static_cast<ProcessesRequest::SortKey>(42));
  EXPECT_TRUE(bp::check(r));

  ActionRequest a;
  a.set_pid("<0.1.0>");
  a.set_action(ActionRequest::MESSAGES);
  EXPECT_TRUE(bp::check(a));  // count 0
  a.set_count(5);
  EXPECT_FALSE(bp::check(a));
  a.set_count(bp::limits::kMaxPeekMessages + 1);
  EXPECT_TRUE(bp::check(a));
  a.set_action(ActionRequest::KILL);
  a.set_pid("self()");
  EXPECT_NE(bp::check(a)->find("not a pid"), std::string::npos);

  beamscope::v1::ProcessRequest p;
  p.set_pid("<0.5.0>");
  EXPECT_FALSE(bp::check(p));
}

TEST(Processes, NameMatchesCaseInsensitively) {
  EXPECT_TRUE(bp::name_matches("", "anything"));
  EXPECT_TRUE(bp::name_matches("WORKER", "demo_worker:init/1"));
  EXPECT_FALSE(bp::name_matches("worker2", "demo_worker"));
  EXPECT_FALSE(bp::name_matches("x", ""));
}

TEST(Requests, EveryRequestKindIsAnsweredByItsOwnBody) {
  Envelope pr, pd, ar, cr;
  *pr.mutable_processes_request() = bp::processes_request(ProcessesRequest::MAILBOX, 0, 10);
  pd.mutable_process_request()->set_pid("<0.1.0>");
  ar.mutable_action_request()->set_pid("<0.1.0>");
  cr.mutable_children_request()->set_supervisor_id("a/b");
  for (Envelope* e : {&pr, &pd, &ar, &cr}) {
    e->set_node("n@h");
    bp::set_request_id(*e, 77);
    EXPECT_TRUE(bp::is_request(*e));
    EXPECT_FALSE(bp::is_answer(*e));
    EXPECT_EQ(bp::request_id(*e), 77u);
    const Envelope answer = bp::error_answer(*e, "nope", true);
    EXPECT_TRUE(bp::is_answer(answer));
    EXPECT_TRUE(bp::answers(*e, answer)) << bp::describe_request(*e);
    EXPECT_EQ(answer.node(), "n@h");
    Envelope other = answer;
    bp::set_request_id(other, 78);
    EXPECT_FALSE(bp::answers(*e, other));
  }
  EXPECT_FALSE(bp::answers(pr, bp::error_answer(pd, "x")));
  const auto refused = bp::error_answer(ar, "off", true);
  EXPECT_TRUE(refused.action_result().refused());
  EXPECT_EQ(refused.action_result().pid(), "<0.1.0>");
}

TEST(Requests, FramingBoundsTheNewBodies) {
  Envelope env;
  auto* page = env.mutable_processes_page();
  page->set_request_id(1);
  for (std::size_t i = 0; i < bp::limits::kMaxPageProcesses; ++i) page->add_rows()->set_pid("<0.1.0>");
  EXPECT_TRUE(bp::within_bounds(env));
  page->add_rows();
  EXPECT_FALSE(bp::within_bounds(env));

  Envelope d;
  auto* detail = d.mutable_process_detail();
  for (std::size_t i = 0; i < bp::limits::kMaxDetailRefs; ++i) detail->add_links("<0.1.0>");
  EXPECT_TRUE(bp::within_bounds(d));
  detail->add_links("<0.1.0>");
  EXPECT_FALSE(bp::within_bounds(d));

  Envelope r;
  auto* result = r.mutable_action_result();
  result->set_text(std::string(bp::limits::kMaxStateText, 'a'));
  EXPECT_TRUE(bp::within_bounds(r));
  result->set_text(std::string(bp::limits::kMaxStateText + 1, 'a'));
  EXPECT_FALSE(bp::within_bounds(r));

  // A request without a node is refused like a children request.
  Envelope ask;
  *ask.mutable_processes_request() = bp::processes_request(ProcessesRequest::MAILBOX, 0, 10);
  ask.set_version_major(bp::kVersionMajor);
  auto decoded = bp::decode(bp::encode(ask));
  ASSERT_TRUE(std::holds_alternative<bp::DecodeError>(decoded));
  EXPECT_EQ(std::get<bp::DecodeError>(decoded), bp::DecodeError::kNoBody);
  auto ok = bp::decode(bp::encode(ask, "n@h", 0));
  EXPECT_TRUE(std::holds_alternative<Envelope>(ok));
}
