// `tree --json` and `events --json`: nesting, every documented field, the
// real child count of paged supervisors, headroom, and hostile parent links.
#include <gtest/gtest.h>

#include <sstream>

#include "render/render.hpp"

namespace beamscope::cli {
namespace {

using protocol::TreeNode;

TreeNode* add(protocol::Keyframe& kf, const std::string& id, const std::string& parent, TreeNode::Kind kind) {
  auto* n = kf.add_tree();
  n->set_id(id);
  n->set_parent_id(parent);
  n->set_kind(kind);
  n->set_name(id.substr(id.find_last_of('/') + 1));
  return n;
}

protocol::Keyframe demo_tree() {
  protocol::Keyframe kf;
  add(kf, "demo", "", TreeNode::APPLICATION)->set_application("demo");
  auto* sup = add(kf, "demo/sup", "demo", TreeNode::SUPERVISOR);
  sup->set_pid("<0.80.0>");
  sup->set_strategy("one_for_one");
  sup->set_intensity(10);
  sup->set_period_s(5);
  sup->set_restarts_in_period(3);
  sup->set_restarts_total(7);
  auto* w = add(kf, "demo/sup/crasher", "demo/sup", TreeNode::WORKER);
  w->set_pid("<0.90.0>");
  w->set_registered_name("crasher");
  w->set_restart_type("permanent");
  w->set_shutdown("5000");
  w->add_modules("demo_crasher");
  w->set_message_queue_len(4);
  w->set_memory_bytes(2048);
  w->set_reductions(99);
  w->set_restarts_total(7);
  auto* r = w->add_recent_restarts();
  r->set_time_us(1700000000000000);
  r->set_reason("deliberate_demo_crash");
  r->set_old_pid("<0.89.0>");
  r->set_new_pid("<0.90.0>");
  auto* pool = add(kf, "demo/sup/pool", "demo/sup", TreeNode::SUPERVISOR);
  pool->set_strategy("simple_one_for_one");
  pool->set_children_total(100000);  // only a page sent
  add(kf, "demo/sup/pool/<0.100.0>", "demo/sup/pool", TreeNode::WORKER)->set_pid("<0.100.0>");
  auto* ts = kf.mutable_tree_stats();
  ts->set_walked_at_us(1700000000000001);
  ts->set_walk_duration_us(1234);
  ts->set_walks_total(5);
  ts->set_unresponsive(1);
  return kf;
}

TEST(TreeJson, NestsApplicationsSupervisorsChildren) {
  const auto doc = tree_json("demo@host", 42, demo_tree());
  EXPECT_EQ(doc["node"], "demo@host");
  EXPECT_EQ(doc["timestamp_us"], 42);
  EXPECT_EQ(doc["entries"], 5);
  EXPECT_EQ(doc["tree_stats"]["walk_duration_us"], 1234);
  EXPECT_EQ(doc["tree_stats"]["unresponsive"], 1);
  ASSERT_EQ(doc["applications"].size(), 1u);
  const auto& app = doc["applications"][0];
  EXPECT_EQ(app["kind"], "application");
  EXPECT_TRUE(app["headroom"].is_null());
  const auto& sup = app["children"][0];
  EXPECT_EQ(sup["kind"], "supervisor");
  EXPECT_EQ(sup["strategy"], "one_for_one");
  EXPECT_EQ(sup["headroom"], 7);  // 10 allowed, 3 used
  ASSERT_EQ(sup["children"].size(), 2u);
  const auto& w = sup["children"][0];
  EXPECT_EQ(w["name"], "crasher");
  EXPECT_EQ(w["kind"], "worker");
  EXPECT_EQ(w["pid"], "<0.90.0>");
  EXPECT_EQ(w["restart_type"], "permanent");
  EXPECT_EQ(w["shutdown"], "5000");
  EXPECT_EQ(w["modules"], nlohmann::json::array({"demo_crasher"}));
  EXPECT_EQ(w["message_queue_len"], 4);
  EXPECT_EQ(w["memory_bytes"], 2048);
  EXPECT_EQ(w["reductions"], 99);
  EXPECT_EQ(w["restarts_total"], 7);
  ASSERT_EQ(w["recent_restarts"].size(), 1u);
  EXPECT_EQ(w["recent_restarts"][0]["reason"], "deliberate_demo_crash");
  EXPECT_EQ(w["recent_restarts"][0]["old_pid"], "<0.89.0>");
  EXPECT_EQ(w["recent_restarts"][0]["new_pid"], "<0.90.0>");
  EXPECT_EQ(w["recent_restarts"][0]["time_us"], 1700000000000000);
  EXPECT_EQ(w["children_total"], 0);
  EXPECT_EQ(doc["unplaced"].size(), 0u);
}

TEST(TreeJson, EveryDocumentedFieldIsPresent) {
  const auto j = tree_node_json(TreeNode{});
  for (const char* f : {"id", "name", "kind", "pid", "pid_state", "restart_type", "shutdown", "modules", "strategy",
                        "intensity", "period_s", "restarts_total", "self_restarts_total", "restarts_in_period", "headroom", "escalated",
                        "unresponsive", "walk_error", "children_total", "message_queue_len", "memory_bytes",
                        "reductions", "recent_restarts", "children"})
    EXPECT_TRUE(j.contains(f)) << f;
}

TEST(TreeJson, PagedSupervisorReportsItsRealChildCount) {
  const auto doc = tree_json("n", 0, demo_tree());
  const auto& pool = doc["applications"][0]["children"][0]["children"][1];
  EXPECT_EQ(pool["name"], "pool");
  EXPECT_EQ(pool["children_total"], 100000);
  EXPECT_TRUE(pool["children_paged"]);
  EXPECT_EQ(pool["children"].size(), 1u);
  const auto& sup = doc["applications"][0]["children"][0];
  EXPECT_EQ(sup["children_total"], 2);  // not summarised: the count of its children
  EXPECT_FALSE(sup["children_paged"]);
}

TEST(TreeJson, HeadroomNeverNegativeAndNullWhenTheFlagsWereNotRead) {
  TreeNode s;
  s.set_kind(TreeNode::SUPERVISOR);
  s.set_intensity(1);
  s.set_restarts_in_period(3);
  EXPECT_TRUE(tree_node_json(s)["headroom"].is_null());  // no strategy: it did not answer
  s.set_strategy("one_for_one");
  EXPECT_EQ(tree_node_json(s)["headroom"], 0);
}

TEST(TreeJson, OrphansAreRootsAndCyclesAreListedFlat) {
  protocol::Keyframe kf;
  add(kf, "a", "b", TreeNode::SUPERVISOR);
  add(kf, "b", "a", TreeNode::SUPERVISOR);
  add(kf, "lost", "gone", TreeNode::WORKER);
  const auto doc = tree_json("n", 0, kf);
  ASSERT_EQ(doc["applications"].size(), 1u);
  EXPECT_EQ(doc["applications"][0]["id"], "lost");
  EXPECT_EQ(doc["unplaced"].size(), 2u);
}

TEST(TreeJson, DeepChainIsBoundedAndNothingIsLost) {
  protocol::Keyframe kf;
  std::string parent;
  for (int i = 0; i < 5000; ++i) {
    const std::string id = "n" + std::to_string(i);
    add(kf, id, parent, TreeNode::SUPERVISOR);
    parent = id;
  }
  const auto doc = tree_json("n", 0, kf);
  std::size_t nested = 0;
  const nlohmann::json* cur = &doc["applications"][0];
  while (cur) {
    ++nested;
    cur = (*cur)["children"].empty() ? nullptr : &(*cur)["children"][0];
  }
  EXPECT_EQ(nested + doc["unplaced"].size(), 5000u);
  EXPECT_LE(nested, 65u);
  EXPECT_FALSE(dump_json(doc).empty());
}

TEST(EventsJson, OldestFirstNewestLimitAndSnakeCaseKinds) {
  protocol::Keyframe kf;
  for (int i = 1; i <= 3; ++i) {
    auto* e = kf.add_events();
    e->set_id(static_cast<std::uint64_t>(i));
    e->set_time_us(1000 * i);
    e->set_kind(i == 3 ? v1::Event::REACHED_MAX_RESTART_INTENSITY : v1::Event::CHILD_TERMINATED);
    e->set_supervisor("demo/sup");
    e->set_child("demo/sup/crasher");
    e->set_pid("<0.9.0>");
    e->set_reason("boom");
    e->set_detail("d");
  }
  auto doc = events_json("demo@host", 5, kf, 0);
  EXPECT_EQ(doc["events_kept"], 3);
  ASSERT_EQ(doc["events"].size(), 3u);
  EXPECT_EQ(doc["events"][0]["id"], 1);
  const auto& last = doc["events"][2];
  EXPECT_EQ(last["kind"], "reached_max_restart_intensity");
  for (const char* f : {"id", "time_us", "kind", "supervisor", "child", "pid", "reason", "detail"})
    EXPECT_TRUE(last.contains(f)) << f;
  EXPECT_EQ(doc["events"][0]["kind"], "child_terminated");
  doc = events_json("demo@host", 5, kf, 2);
  ASSERT_EQ(doc["events"].size(), 2u);
  EXPECT_EQ(doc["events"][0]["id"], 2);
  EXPECT_EQ(event_kind_name(static_cast<v1::Event::Kind>(77)), "kind_77");
}

TEST(TreeText, IndentsAndFlagsTrouble) {
  auto kf = demo_tree();
  kf.mutable_tree(1)->set_escalated(true);
  std::ostringstream out;
  print_tree_text(out, "demo@host", kf);
  const std::string s = out.str();
  EXPECT_NE(s.find("\n  sup [supervisor] <0.80.0>"), std::string::npos) << s;
  EXPECT_NE(s.find("ESCALATED"), std::string::npos);
  EXPECT_NE(s.find("    crasher [worker] <0.90.0>"), std::string::npos) << s;
  EXPECT_NE(s.find("(100000 children, 1 listed)"), std::string::npos) << s;
}

}  // namespace
}  // namespace beamscope::cli

namespace beamscope::cli {
namespace {

// The text shows what --json shows (protocol/tree_forest.hpp): an orphan
// as a root, a cycle listed flat; it used to drop both.
TEST(TreeText, OrphansAndCyclesAreShownAsInJson) {
  protocol::Keyframe kf;
  add(kf, "a", "b", TreeNode::SUPERVISOR);
  add(kf, "b", "a", TreeNode::SUPERVISOR);
  add(kf, "lost", "gone", TreeNode::WORKER);
  add(kf, "lost/kid", "lost", TreeNode::WORKER);
  std::ostringstream out;
  print_tree_text(out, "n", kf);
  const std::string text = out.str();
  EXPECT_NE(text.find("\nlost [worker]"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  kid [worker]"), std::string::npos) << text;
  EXPECT_NE(text.find("entries no root reaches (a parent cycle):\n  a [supervisor]"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  b [supervisor]"), std::string::npos) << text;
}

}  // namespace
}  // namespace beamscope::cli
