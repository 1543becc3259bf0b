// Restart families: per supervisor and per static child, bounded however
// many dynamic children a supervisor has.
#include <gtest/gtest.h>

#include <string>

#include "beamscope/exporters/node_collectable.hpp"
#include "exposition.hpp"
#include "sample_keyframe.hpp"

namespace beamscope::exporters {
namespace {

using beamscope::testing::count_series;
using beamscope::testing::sample_keyframe;
using beamscope::testing::scrape;
using beamscope::testing::value_of;

v1::TreeNode* add(v1::Keyframe& kf, const std::string& id, const std::string& parent, v1::TreeNode::Kind kind) {
  auto* n = kf.add_tree();
  n->set_id(id);
  n->set_parent_id(parent);
  n->set_kind(kind);
  n->set_application("demo");
  n->set_name(id.substr(id.rfind('/') + 1));
  return n;
}

v1::Keyframe tree_keyframe(int dynamic_children) {
  v1::Keyframe kf = sample_keyframe("a@h");
  kf.clear_tree();
  add(kf, "demo", "", v1::TreeNode::APPLICATION);
  auto* top = add(kf, "demo/top", "demo", v1::TreeNode::SUPERVISOR);
  top->set_strategy("one_for_one");
  top->set_intensity(10);
  top->set_restarts_in_period(3);
  top->set_restarts_total(5);
  top->set_active_children(3);
  add(kf, "demo/top/a", "demo/top", v1::TreeNode::WORKER)->set_restarts_total(2);
  add(kf, "demo/top/b", "demo/top", v1::TreeNode::WORKER)->set_restarts_total(3);
  auto* pool = add(kf, "demo/top/pool", "demo/top", v1::TreeNode::SUPERVISOR);
  pool->set_strategy("simple_one_for_one");
  pool->set_intensity(1);
  pool->set_children_total(static_cast<std::uint32_t>(dynamic_children));
  pool->set_restarts_total(7);
  pool->set_self_restarts_total(1);
  for (int i = 0; i < dynamic_children; ++i)
    add(kf, "demo/top/pool/<0." + std::to_string(100 + i) + ".0>", "demo/top/pool", v1::TreeNode::WORKER)
        ->set_restarts_total(1);
  return kf;
}

std::string scrape_one(v1::Keyframe kf) {
  auto snap = std::make_shared<const v1::Keyframe>(std::move(kf));
  auto c = make_node_collectable([snap] { return std::vector<std::shared_ptr<const v1::Keyframe>>{snap}; });
  return scrape(*c);
}

TEST(RestartFamilies, SupervisorsAndStaticChildren) {
  const auto text = scrape_one(tree_keyframe(100));
  EXPECT_EQ(value_of(text, R"(beamscope_supervisor_restarts_total{supervisor="demo/top",application="demo"})"), 5);
  EXPECT_EQ(value_of(text, R"(beamscope_supervisor_restarts_total{supervisor="demo/top/pool",application="demo"})"), 7);
  EXPECT_EQ(value_of(text, R"(beamscope_child_restarts_total{supervisor="demo/top",child="a"})"), 2);
  EXPECT_EQ(value_of(text, R"(beamscope_child_restarts_total{supervisor="demo/top",child="b"})"), 3);
  // A child supervisor as its parent's child: its own restart, not its children's 7.
  EXPECT_EQ(value_of(text, R"(beamscope_child_restarts_total{supervisor="demo/top",child="pool"})"), 1);
  EXPECT_EQ(value_of(text, R"(beamscope_supervisor_restart_intensity_headroom{supervisor="demo/top",application="demo"})"), 7);
  EXPECT_EQ(value_of(text, R"(beamscope_supervisor_children{supervisor="demo/top/pool",application="demo"})"), 100);
}

TEST(RestartFamilies, DynamicChildrenNeverBecomeSeries) {
  const auto small = scrape_one(tree_keyframe(10));
  const auto big = scrape_one(tree_keyframe(5000));
  // a, b and the pool itself (a static child of top): 3, however many workers.
  EXPECT_EQ(count_series(small, "beamscope_child_restarts_total"), 3u);
  EXPECT_EQ(count_series(big, "beamscope_child_restarts_total"), 3u);
  EXPECT_EQ(count_series(big, "beamscope_supervisor_restarts_total"), 2u);
}

TEST(RestartFamilies, NoTreeNoSeries) {
  v1::Keyframe kf = sample_keyframe("a@h");
  kf.clear_tree();
  const auto text = scrape_one(kf);
  EXPECT_EQ(count_series(text, "beamscope_supervisor_restarts_total"), 0u);
}

}  // namespace
}  // namespace beamscope::exporters
