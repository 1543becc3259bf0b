// One policy for the supervision forest (protocol/tree_forest.hpp): what
// the inspector and ctl tree (text and JSON) all build on.
#include <gtest/gtest.h>

#include "beamscope/protocol/tree_forest.hpp"

namespace beamscope::protocol {
namespace {

google::protobuf::RepeatedPtrField<v1::TreeNode> entries(
    std::initializer_list<std::pair<const char*, const char*>> id_parent) {
  google::protobuf::RepeatedPtrField<v1::TreeNode> out;
  for (const auto& [id, parent] : id_parent) {
    auto* e = out.Add();
    e->set_id(id);
    e->set_parent_id(parent);
  }
  return out;
}

TEST(TreeForest, LinksChildrenInTheAgentsOrder) {
  const auto f = link_forest(entries({{"app", ""}, {"app/sup", "app"}, {"app/sup/b", "app/sup"},
                                      {"app/sup/a", "app/sup"}, {"other", ""}}));
  EXPECT_EQ(f.roots, (std::vector<int>{0, 4}));
  EXPECT_EQ(f.children[1], (std::vector<int>{2, 3}));
  EXPECT_EQ(f.parent[3], 1);
  EXPECT_EQ(f.parent[0], -1);
  EXPECT_TRUE(f.unreached.empty());
  EXPECT_EQ(f.by_id.at("app/sup/a"), 3);
}

TEST(TreeForest, AnEntryWhoseParentIsMissingOrItselfIsARoot) {
  const auto f = link_forest(entries({{"lost", "gone"}, {"self", "self"}, {"lost/kid", "lost"}}));
  EXPECT_EQ(f.roots, (std::vector<int>{0, 1}));
  EXPECT_EQ(f.children[0], (std::vector<int>{2}));
  EXPECT_TRUE(f.unreached.empty());
}

TEST(TreeForest, ACycleIsUnreachedAndListedWithoutChildren) {
  // a -> b -> a, and c under a: no root reaches any of them.
  const auto f = link_forest(entries({{"root", ""}, {"a", "b"}, {"b", "a"}, {"c", "a"}}));
  EXPECT_EQ(f.roots, (std::vector<int>{0}));
  EXPECT_EQ(f.unreached, (std::vector<int>{1, 2, 3}));
  for (int u : f.unreached) {
    EXPECT_TRUE(f.children[static_cast<std::size_t>(u)].empty());
    EXPECT_EQ(f.parent[static_cast<std::size_t>(u)], -1);
  }
}

TEST(TreeForest, ALongChainIsLinkedWithoutRecursion) {
  google::protobuf::RepeatedPtrField<v1::TreeNode> chain;
  std::string parent;
  for (int i = 0; i < 200000; ++i) {
    auto* e = chain.Add();
    e->set_id("n" + std::to_string(i));
    e->set_parent_id(parent);
    parent = e->id();
  }
  const auto f = link_forest(chain);
  EXPECT_EQ(f.roots, (std::vector<int>{0}));
  EXPECT_TRUE(f.unreached.empty());
  EXPECT_EQ(f.parent[199999], 199998);
}

TEST(TreeForest, DuplicateIdsLinkToTheFirst) {
  const auto f = link_forest(entries({{"s", ""}, {"s", ""}, {"s/w", "s"}}));
  EXPECT_EQ(f.roots, (std::vector<int>{0, 1}));
  EXPECT_EQ(f.children[0], (std::vector<int>{2}));
}

}  // namespace
}  // namespace beamscope::protocol
