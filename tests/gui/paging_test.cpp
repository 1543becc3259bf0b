// InspectorModel and paging together: nothing is asked until the user
// expands a huge supervisor; answers land under it; stale ones do not.
#include <gtest/gtest.h>

#include "inspector_model.hpp"

namespace beamscope::gui {
namespace {

constexpr const char* kPool = "demo/pool_sup";

std::shared_ptr<v1::Keyframe> keyframe() {
  auto kf = std::make_shared<v1::Keyframe>();
  kf->mutable_info()->set_node("n@h");
  auto* app = kf->add_tree();
  app->set_id("demo");
  app->set_kind(v1::TreeNode::APPLICATION);
  auto* sup = kf->add_tree();
  sup->set_id(kPool);
  sup->set_parent_id("demo");
  sup->set_kind(v1::TreeNode::SUPERVISOR);
  sup->set_pid("<0.80.0>");
  sup->set_strategy("simple_one_for_one");
  sup->set_children_total(100000);
  for (int i = 0; i < 100; ++i) {
    auto* w = kf->add_tree();
    w->set_id(std::string(kPool) + "/s" + std::to_string(i));
    w->set_parent_id(kPool);
    w->set_kind(v1::TreeNode::WORKER);
    w->set_pid("<0." + std::to_string(1000 + i) + ".0>");
  }
  return kf;
}

v1::ChildrenPage answer(const v1::ChildrenRequest& req) {
  v1::ChildrenPage p;
  p.set_request_id(req.request_id());
  p.set_supervisor_id(req.supervisor_id());
  p.set_offset(req.offset());
  p.set_order(req.order());
  p.set_total(100000);
  for (std::uint32_t i = 0; i < req.limit(); ++i) {
    auto* c = p.add_children();
    c->set_id(std::string(kPool) + "/p" + std::to_string(req.offset() + i));
    c->set_kind(v1::TreeNode::WORKER);
    c->set_pid("<0." + std::to_string(90000 + req.offset() + i) + ".0>");
  }
  return p;
}

TEST(Paging, NothingIsRequestedUntilTheSupervisorIsExpanded) {
  InspectorModel model({"tcp://127.0.0.1:1"});
  model.update(0, {keyframe()});
  NodeView& n = *model.selected();
  EXPECT_TRUE(model.page_requests(0.0).empty());
  n.tree.set_expanded(n.tree.find(kPool), true);
  auto reqs = model.page_requests(0.0);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].node, "n@h");
  EXPECT_EQ(reqs[0].source, 0u);
  EXPECT_EQ(reqs[0].request.supervisor_id(), kPool);
  EXPECT_TRUE(model.page_requests(0.1).empty());  // in flight
  // Collapsed again: no refreshes for what is not on screen.
  model.receive_page("n@h", answer(reqs[0].request), 0.2);
  n.tree.set_expanded(n.tree.find(kPool), false);
  EXPECT_TRUE(model.page_requests(10.0).empty());
}

TEST(Paging, ReceivedPageIsShownAndItsChildrenSelectable) {
  InspectorModel model({"tcp://127.0.0.1:1"});
  model.update(0, {keyframe()});
  NodeView& n = *model.selected();
  const int pool = n.tree.find(kPool);
  n.tree.set_expanded(pool, true);
  auto first = model.page_requests(0.0);
  model.receive_page("n@h", answer(first[0].request), 0.1);
  n.pager.next(kPool, 100000);
  auto second = model.page_requests(0.2);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].request.offset(), 100u);
  model.receive_page("n@h", answer(first[0].request), 0.3);  // stale: ignored
  EXPECT_EQ(n.tree.node(n.tree.rows()[4].node).id(), std::string(kPool) + "/p0");
  model.receive_page("n@h", answer(second[0].request), 0.4);
  EXPECT_EQ(n.tree.node(n.tree.rows()[4].node).id(), std::string(kPool) + "/p100");
  model.select_tree_entry(std::string(kPool) + "/p150");
  ASSERT_NE(n.tree.selected(), nullptr);
  EXPECT_EQ(n.tree.selected()->pid(), "<0.90150.0>");
  EXPECT_EQ(n.table.selected_pid(), "<0.90150.0>");
  // The next keyframe keeps the page under the supervisor.
  model.update(0, {keyframe()});
  EXPECT_EQ(n.tree.child_count(pool), 100u);
  EXPECT_GE(n.tree.find(std::string(kPool) + "/p150"), 0);
  // Answers for unknown nodes are dropped.
  model.receive_page("other@h", answer(second[0].request), 0.5);
}

TEST(Paging, ErrorPageKeepsTheStreamedChildren) {
  InspectorModel model({"tcp://127.0.0.1:1"});
  model.update(0, {keyframe()});
  NodeView& n = *model.selected();
  n.tree.set_expanded(n.tree.find(kPool), true);
  auto reqs = model.page_requests(0.0);
  v1::ChildrenPage err;
  err.set_request_id(reqs[0].request.request_id());
  err.set_supervisor_id(kPool);
  err.set_error("this server does not serve children pages");
  model.receive_page("n@h", err, 0.1);
  EXPECT_FALSE(n.tree.paged(n.tree.find(kPool)));
  EXPECT_EQ(n.tree.child_count(n.tree.find(kPool)), 100u);
  EXPECT_EQ(n.pager.find(kPool)->error, "this server does not serve children pages");
  // The problem gets a line of its own under the pager from the next frame.
  auto kinds = [&] {
    std::vector<TreeRow::Kind> k;
    for (std::size_t i = 2; i < 5; ++i) k.push_back(n.tree.rows()[i].kind);
    return k;
  };
  EXPECT_EQ(kinds()[2], TreeRow::Kind::kNode);
  EXPECT_TRUE(model.page_requests(0.2).empty());  // retried only after kRetryS
  EXPECT_EQ(kinds(), (std::vector<TreeRow::Kind>{TreeRow::Kind::kPager, TreeRow::Kind::kPagerProblem,
                                                 TreeRow::Kind::kPagerNav}));
  // Moving clears it (the error was about the old position).
  n.pager.next(kPool, 100000);
  EXPECT_EQ(model.page_requests(0.3).size(), 1u);
  EXPECT_EQ(kinds()[2], TreeRow::Kind::kNode);
}

}  // namespace
}  // namespace beamscope::gui
