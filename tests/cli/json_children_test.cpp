// `children --json` and its text table: the page's fields, each child as a
// `tree` entry (same keys), order names both ways.
#include <gtest/gtest.h>

#include <sstream>

#include "render/render.hpp"

namespace beamscope::cli {
namespace {

v1::ChildrenPage page() {
  v1::ChildrenPage p;
  p.set_request_id(7);
  p.set_supervisor_id("demo/sup/pool");
  p.set_offset(200);
  p.set_total(100000);
  p.set_order(v1::ChildrenRequest::BY_MAILBOX);
  auto* c = p.add_children();
  c->set_id("demo/sup/pool/<0.100.0>");
  c->set_parent_id("demo/sup/pool");
  c->set_kind(protocol::TreeNode::WORKER);
  c->set_name("<0.100.0>");
  c->set_pid("<0.100.0>");
  c->set_message_queue_len(1234);
  c->set_memory_bytes(4096);
  c->set_reductions(77);
  return p;
}

TEST(ChildrenJson, PageFieldsAndTreeEntries) {
  const auto doc = children_json("demo@host", page());
  EXPECT_EQ(doc["node"], "demo@host");
  EXPECT_EQ(doc["supervisor_id"], "demo/sup/pool");
  EXPECT_EQ(doc["offset"], 200);
  EXPECT_EQ(doc["total"], 100000);
  EXPECT_EQ(doc["order"], "mailbox");
  ASSERT_EQ(doc["children"].size(), 1u);
  const auto& child = doc["children"][0];
  EXPECT_EQ(child["pid"], "<0.100.0>");
  EXPECT_EQ(child["message_queue_len"], 1234);
  // The same keys as an entry of `tree --json`.
  const auto entry = tree_node_json(page().children(0));
  ASSERT_EQ(child.size(), entry.size());
  for (const auto& [key, value] : entry.items()) EXPECT_TRUE(child.contains(key)) << key;
}

TEST(ChildrenJson, OrderNamesRoundTrip) {
  for (const char* name : {"supervisor", "mailbox", "memory", "reductions"}) {
    v1::ChildrenRequest::Order o{};
    ASSERT_TRUE(parse_children_order(name, o)) << name;
    EXPECT_EQ(children_order_name(o), name);
  }
  v1::ChildrenRequest::Order o{};
  EXPECT_FALSE(parse_children_order("gc", o));
}

TEST(ChildrenText, OneRowPerChild) {
  std::ostringstream out;
  print_children_text(out, "demo@host", page());
  const std::string text = out.str();
  EXPECT_NE(text.find("children 201..201 of 100000, by mailbox"), std::string::npos) << text;
  EXPECT_NE(text.find("<0.100.0>"), std::string::npos) << text;
  EXPECT_NE(text.find("1234"), std::string::npos) << text;
}

}  // namespace
}  // namespace beamscope::cli
