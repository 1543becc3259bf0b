// TreeModel: linearization of the visible forest, paging, search, flashes,
// keyboard selection, and that collapsed subtrees cost nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "beamscope/protocol/alerts.hpp"
#include "tree_model.hpp"

namespace beamscope::gui {
namespace {

using v1::TreeNode;

TreeNode* add(v1::Keyframe& kf, const std::string& id, const std::string& parent, TreeNode::Kind kind,
              const std::string& pid = "") {
  auto* n = kf.add_tree();
  n->set_id(id);
  n->set_parent_id(parent);
  n->set_kind(kind);
  n->set_name(id.substr(id.find_last_of('/') + 1));
  n->set_pid(pid);
  n->set_application("demo");
  return n;
}

// demo -> demo_sup -> {worker_a, pool_sup -> N workers, crasher}
std::shared_ptr<v1::Keyframe> demo(int pool = 3, std::uint64_t crasher_restarts = 0) {
  auto kf = std::make_shared<v1::Keyframe>();
  add(*kf, "demo", "", TreeNode::APPLICATION);
  auto* sup = add(*kf, "demo/demo_sup", "demo", TreeNode::SUPERVISOR, "<0.80.0>");
  sup->set_intensity(10);
  sup->set_period_s(10);
  add(*kf, "demo/demo_sup/worker_a", "demo/demo_sup", TreeNode::WORKER, "<0.81.0>");
  auto* ps = add(*kf, "demo/demo_sup/pool_sup", "demo/demo_sup", TreeNode::SUPERVISOR, "<0.82.0>");
  ps->set_strategy("simple_one_for_one");
  for (int i = 0; i < pool; ++i) {
    auto* w = add(*kf, "demo/demo_sup/pool_sup/" + std::to_string(i), "demo/demo_sup/pool_sup", TreeNode::WORKER,
                  "<0." + std::to_string(1000 + i) + ".0>");
    w->set_message_queue_len(static_cast<std::uint64_t>(i));  // the last one has the longest mailbox
  }
  auto* c = add(*kf, "demo/demo_sup/crasher", "demo/demo_sup", TreeNode::WORKER, "<0.90.0>");
  c->set_restarts_total(crasher_restarts);
  return kf;
}

std::vector<std::string> names(TreeModel& m) {
  std::vector<std::string> out;
  for (const auto& r : m.rows()) {
    if (r.kind == TreeRow::Kind::kMore) out.push_back("+more " + std::to_string(r.shown) + "/" + std::to_string(r.total));
    else out.push_back(std::string(static_cast<std::size_t>(r.depth), ' ') + m.node(r.node).name());
  }
  return out;
}

TEST(TreeModel, LinearizesExpandedEntriesWithDynamicChildrenByMailbox) {
  TreeModel m;
  m.set_data(demo(), 0.0);
  const std::vector<std::string> want{"demo", " demo_sup", "  worker_a", "  pool_sup", "   2", "   1", "   0",
                                      "  crasher"};
  EXPECT_EQ(names(m), want);
  EXPECT_EQ(m.rows()[1].depth, 1);
  EXPECT_TRUE(m.rows()[1].expanded);
  EXPECT_FALSE(m.rows()[2].has_children);
}

TEST(TreeModel, CollapseHidesSubtreeAndSurvivesNewData) {
  TreeModel m;
  m.set_data(demo(), 0.0);
  m.toggle(m.find("demo/demo_sup/pool_sup"));
  EXPECT_EQ(m.rows().size(), 5u);
  m.set_data(demo(), 1.0);  // a new keyframe keeps the user's choice
  EXPECT_EQ(m.rows().size(), 5u);
  EXPECT_FALSE(m.rows()[3].expanded);
  EXPECT_TRUE(m.rows()[3].has_children);
}

TEST(TreeModel, HugeSupervisorStartsClosedAndPages) {
  TreeModel m;
  m.set_data(demo(250), 0.0);
  const int pool = m.find("demo/demo_sup/pool_sup");
  EXPECT_FALSE(m.expanded(pool));  // more than kAutoExpandChildren children
  EXPECT_EQ(m.rows().size(), 5u);
  m.set_expanded(pool, true);
  auto rows = m.rows();
  ASSERT_EQ(rows.size(), 5u + TreeModel::kPageSize + 1);
  const auto& more = rows[4 + TreeModel::kPageSize];
  EXPECT_EQ(more.kind, TreeRow::Kind::kMore);
  EXPECT_EQ(more.node, pool);
  EXPECT_EQ(more.shown, TreeModel::kPageSize);
  EXPECT_EQ(more.total, 250u);
  EXPECT_EQ(m.node(rows[4].node).name(), "249");  // longest mailbox first
  m.show_more(pool);
  m.show_more(pool);
  rows = m.rows();
  EXPECT_EQ(rows.size(), 5u + 250u);  // all shown: no "more" row left
}

TEST(TreeModel, SummarisedSupervisorHasAPagerAboveItsChildren) {
  auto kf = demo(3);
  kf->mutable_tree(3)->set_children_total(100000);  // the agent sent a page of 3
  TreeModel m;
  m.set_data(kf, 0.0);
  const int pool = m.find("demo/demo_sup/pool_sup");
  EXPECT_FALSE(m.expanded(pool));
  m.set_expanded(pool, true);
  const std::vector<std::string> want{"demo", " demo_sup", "  worker_a", "  pool_sup", "+pager", "+nav",
                                      "   2", "   1", "   0", "  crasher"};
  auto got = names(m);
  for (std::size_t k = 0; k < m.rows().size(); ++k) {
    if (m.rows()[k].kind == TreeRow::Kind::kPager) got[k] = "+pager";
    if (m.rows()[k].kind == TreeRow::Kind::kPagerNav) got[k] = "+nav";
  }
  EXPECT_EQ(got, want);
  const auto& pager = m.rows()[4];
  EXPECT_EQ(pager.node, pool);
  EXPECT_EQ(pager.depth, 3);
  EXPECT_EQ(pager.shown, 3u);
  EXPECT_EQ(pager.total, 100000u);
  m.select("demo/demo_sup/pool_sup");
  m.move_selection(1);  // pager lines are not selectable
  EXPECT_EQ(m.selected_id(), "demo/demo_sup/pool_sup/2");
}

v1::ChildrenPage fetched(int offset, int n, std::uint64_t mailbox_base = 0) {
  v1::ChildrenPage p;
  p.set_supervisor_id("demo/demo_sup/pool_sup");
  p.set_offset(static_cast<std::uint32_t>(offset));
  p.set_total(100000);
  for (int i = 0; i < n; ++i) {
    auto* c = p.add_children();
    c->set_id("demo/demo_sup/pool_sup/" + std::to_string(offset + i));
    c->set_parent_id("demo/demo_sup/pool_sup");
    c->set_kind(TreeNode::WORKER);
    c->set_name(std::to_string(offset + i));
    c->set_pid("<0." + std::to_string(50000 + offset + i) + ".0>");
    c->set_message_queue_len(mailbox_base);  // agent's order kept: not re-sorted
    c->set_memory_bytes(1000);
  }
  return p;
}

TEST(TreeModel, FetchedPageReplacesTheStreamedChildren) {
  auto kf = demo(3);
  kf->mutable_tree(3)->set_children_total(100000);
  TreeModel m;
  m.set_data(kf, 0.0);
  const int pool = m.find("demo/demo_sup/pool_sup");
  m.set_expanded(pool, true);
  m.set_page("demo/demo_sup/pool_sup", std::make_shared<v1::ChildrenPage>(fetched(100, 100)), 0.0);
  EXPECT_TRUE(m.paged(pool));
  EXPECT_EQ(m.child_count(pool), 100u);
  const auto& rows = m.rows();
  ASSERT_EQ(rows.size(), 4u + 2u + 100u + 1u);
  EXPECT_EQ(m.node(rows[6].node).name(), "100");
  EXPECT_EQ(m.node(rows[105].node).name(), "199");
  EXPECT_EQ(rows[4].shown, 3u);  // the pager still knows what the stream carries
  // A fetched child is an entry like any: found, selected, revealed by pid.
  const int child = m.find("demo/demo_sup/pool_sup/150");
  ASSERT_GE(child, 0);
  m.select("demo/demo_sup/pool_sup/150");
  ASSERT_NE(m.selected(), nullptr);
  EXPECT_EQ(m.selected()->memory_bytes(), 1000u);
  EXPECT_EQ(m.find_pid("<0.50150.0>"), child);
  EXPECT_GE(m.selected_row(), 0);
  // New keyframes keep the page; a new page replaces it; nullptr goes back to the stream.
  auto next = demo(3);
  next->mutable_tree(3)->set_children_total(99999);
  m.set_data(next, 1.0);
  EXPECT_TRUE(m.paged(pool));
  m.set_page("demo/demo_sup/pool_sup", std::make_shared<v1::ChildrenPage>(fetched(200, 50)), 1.0);
  EXPECT_EQ(m.child_count(pool), 50u);
  EXPECT_EQ(m.find("demo/demo_sup/pool_sup/150"), -1);
  m.set_page("demo/demo_sup/pool_sup", nullptr, 1.0);
  EXPECT_EQ(m.child_count(pool), 3u);
  // Once the stream carries every child again, a fetched page no longer counts.
  m.set_page("demo/demo_sup/pool_sup", std::make_shared<v1::ChildrenPage>(fetched(0, 100)), 1.0);
  EXPECT_TRUE(m.paged(pool));
  m.set_data(demo(3), 2.0);  // children_total unset: all 3 sent
  EXPECT_FALSE(m.paged(pool));
  EXPECT_EQ(m.child_count(pool), 3u);
  // A page for a supervisor the keyframe lacks is kept but not shown.
  const std::size_t entries = m.size();
  m.set_page("elsewhere/sup", std::make_shared<v1::ChildrenPage>(fetched(300, 5)), 1.0);
  EXPECT_EQ(m.size(), entries);
  EXPECT_EQ(m.find("demo/demo_sup/pool_sup/300"), -1);
}

TEST(TreeModel, FetchedChildFlashesWhenItsRestartsRise) {
  auto kf = demo(3);
  kf->mutable_tree(3)->set_children_total(100000);
  TreeModel m;
  m.set_data(kf, 0.0);
  auto page = fetched(0, 10);
  m.set_page("demo/demo_sup/pool_sup", std::make_shared<v1::ChildrenPage>(page), 0.0);
  page.mutable_children(4)->set_restarts_total(1);
  m.set_page("demo/demo_sup/pool_sup", std::make_shared<v1::ChildrenPage>(page), 2.0);
  EXPECT_GT(m.flash(m.find("demo/demo_sup/pool_sup/4"), 2.1), 0.5f);
  EXPECT_EQ(m.flash(m.find("demo/demo_sup/pool_sup/3"), 2.1), 0.0f);
}

TEST(TreeModel, LinearizationCostFollowsVisibleRowsNotTreeSize) {
  TreeModel m;
  m.set_data(demo(19000), 0.0);
  m.rows();
  EXPECT_LT(m.last_rebuild_visits(), 20u);  // the 19,000 children sit under a closed supervisor
  m.set_expanded(m.find("demo/demo_sup/pool_sup"), true);
  m.rows();
  EXPECT_LT(m.last_rebuild_visits(), 20u + 2 * TreeModel::kPageSize);
}

TEST(TreeModel, SearchKeepsMatchesAndAncestors) {
  TreeModel m;
  m.set_data(demo(), 0.0);
  m.set_filter("CRASH");
  const std::vector<std::string> want{"demo", " demo_sup", "  crasher"};
  EXPECT_EQ(names(m), want);
  EXPECT_TRUE(m.rows()[2].match);
  EXPECT_FALSE(m.rows()[1].match);
  m.set_filter("<0.1001.0>");  // by pid, inside a closed huge supervisor too
  EXPECT_EQ(names(m).back(), "   1");
  m.set_filter("");
  EXPECT_EQ(m.rows().size(), 8u);
}

TEST(TreeModel, SearchMatchesModulesAndElixirNames) {
  auto kf = demo();
  kf->mutable_tree(2)->add_modules("MyApp.Worker");
  kf->mutable_tree(2)->set_name("Elixir.MyApp.Worker");
  TreeModel m;
  m.set_data(kf, 0.0);
  EXPECT_EQ(tree_display_name(m.node(2)), "MyApp.Worker");
  m.set_filter("myapp.w");
  EXPECT_EQ(m.rows().size(), 3u);
}

TEST(TreeModel, RestartedChildFlashesForOneSecond) {
  TreeModel m;
  m.set_data(demo(3, 2), 10.0);
  const int crasher = m.find("demo/demo_sup/crasher");
  EXPECT_EQ(m.flash(crasher, 10.0), 0.0f);  // restarts known from before we looked do not flash
  m.set_data(demo(3, 3), 11.0);
  EXPECT_FLOAT_EQ(m.flash(crasher, 11.0), 1.0f);
  EXPECT_NEAR(m.flash(crasher, 11.5), 0.5f, 1e-6);
  EXPECT_TRUE(m.animating(11.5));
  EXPECT_EQ(m.flash(crasher, 12.0), 0.0f);
  EXPECT_FALSE(m.animating(12.01));
  m.set_data(demo(3, 3), 12.0);  // same count: no new flash
  EXPECT_EQ(m.flash(crasher, 12.0), 0.0f);
}

TEST(TreeModel, RevealPidOpensAncestorsAndPages) {
  TreeModel m;
  m.set_data(demo(250), 0.0);
  // Worker 5 has the 245th longest mailbox: third page of the pool.
  ASSERT_TRUE(m.reveal_pid("<0.1005.0>"));
  EXPECT_EQ(m.selected_id(), "demo/demo_sup/pool_sup/5");
  const int row = m.selected_row();
  ASSERT_GE(row, 0);
  EXPECT_EQ(m.node(m.rows()[row].node).pid(), "<0.1005.0>");
  EXPECT_TRUE(m.take_scroll_request());
  EXPECT_FALSE(m.take_scroll_request());
  EXPECT_FALSE(m.reveal_pid("<0.1.0>"));
}

TEST(TreeModel, KeyboardWalksRowsOpensAndGoesToParent) {
  TreeModel m;
  m.set_data(demo(), 0.0);
  m.move_selection(1);
  EXPECT_EQ(m.selected_id(), "demo");
  m.move_selection(3);
  EXPECT_EQ(m.selected_id(), "demo/demo_sup/pool_sup");
  m.open_selected(false);  // close it
  EXPECT_FALSE(m.expanded(m.find("demo/demo_sup/pool_sup")));
  m.move_selection(1);
  EXPECT_EQ(m.selected_id(), "demo/demo_sup/crasher");
  m.open_selected(false);  // a leaf: go to the parent
  EXPECT_EQ(m.selected_id(), "demo/demo_sup");
  m.move_selection(100);  // stops at the last row
  EXPECT_EQ(m.selected_id(), "demo/demo_sup/crasher");
}

TEST(TreeModel, OrphansAndCyclesNeverLoop) {
  auto kf = std::make_shared<v1::Keyframe>();
  add(*kf, "a", "b", TreeNode::SUPERVISOR);  // a <-> b: no root reaches them, listed flat after the roots
  add(*kf, "b", "a", TreeNode::SUPERVISOR);
  add(*kf, "self", "self", TreeNode::WORKER);   // its own parent: a root
  add(*kf, "lost", "gone", TreeNode::WORKER);   // parent missing: a root
  TreeModel m;
  m.set_data(kf, 0.0);
  // As ctl tree shows them, text and JSON (protocol/tree_forest.hpp): nothing sent is lost.
  ASSERT_EQ(m.rows().size(), 4u);
  EXPECT_EQ(m.node(m.rows()[0].node).id(), "self");
  EXPECT_EQ(m.node(m.rows()[1].node).id(), "lost");
  EXPECT_EQ(m.node(m.rows()[2].node).id(), "a");
  EXPECT_EQ(m.node(m.rows()[3].node).id(), "b");
}

// Headroom and intensity use are protocol's (shared with the alert rules);
// the tree's colour follows them.
TEST(TreeModel, HealthFollowsProtocolsIntensityUse) {
  TreeNode s;
  s.set_kind(TreeNode::SUPERVISOR);
  s.set_pid("<0.1.0>");
  s.set_strategy("one_for_one");
  s.set_intensity(10);
  s.set_restarts_in_period(4);
  EXPECT_EQ(tree_health(s), TreeHealth::kRunning);
  EXPECT_EQ(protocol::restart_headroom(s), 6u);
  s.set_restarts_in_period(5);
  EXPECT_EQ(tree_health(s), TreeHealth::kNearLimit);
  s.set_restarts_in_period(12);
  EXPECT_EQ(protocol::restart_headroom(s), 0u);
  EXPECT_EQ(tree_health(s), TreeHealth::kNearLimit);
  s.set_escalated(true);
  EXPECT_EQ(tree_health(s), TreeHealth::kEscalated);
  TreeNode w;
  w.set_kind(TreeNode::WORKER);
  w.set_pid_state("restarting");
  EXPECT_EQ(tree_health(w), TreeHealth::kRestarting);
  w.set_pid_state("undefined");
  EXPECT_EQ(tree_health(w), TreeHealth::kNotRunning);
  // Intensity unknown (flags not read): nothing to measure, not amber.
  TreeNode u;
  u.set_kind(TreeNode::SUPERVISOR);
  u.set_pid("<0.2.0>");
  u.set_restarts_in_period(3);
  EXPECT_EQ(tree_health(u), TreeHealth::kRunning);
}

// The protocol's bound on tree entries per keyframe, all under one dynamic
// supervisor: a new keyframe costs one index pass, a frame only its rows.
TEST(TreeModel, KeyframeAtTheProtocolBoundIsCheap) {
  auto kf = demo(19990);
  TreeModel m;
  const auto t0 = std::chrono::steady_clock::now();
  m.set_data(kf, 0.0);
  m.set_expanded(m.find("demo/demo_sup/pool_sup"), true);
  const auto rows = m.rows().size();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("set_data + rows over %d entries: %.2f ms (%zu rows)\n", kf->tree_size(), ms, rows);
  EXPECT_EQ(rows, 5u + TreeModel::kPageSize + 1);
  EXPECT_LT(ms, 500.0);  // generous: sanitizers and a shared CI core
  const auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) m.rows();  // what frames cost when nothing changed
  const double frame_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
  EXPECT_LT(frame_ms, 5.0);
}

}  // namespace
}  // namespace beamscope::gui
