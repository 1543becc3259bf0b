// The `children` document: one page of a supervisor's children, each child
// rendered as a `tree` entry.
#include "render.hpp"

namespace beamscope::cli {

std::string children_order_name(v1::ChildrenRequest::Order order) {
  switch (order) {
    case v1::ChildrenRequest::SUPERVISOR_ORDER: return "supervisor";
    case v1::ChildrenRequest::BY_MAILBOX: return "mailbox";
    case v1::ChildrenRequest::BY_MEMORY: return "memory";
    case v1::ChildrenRequest::BY_REDUCTIONS: return "reductions";
    default: return "order_" + std::to_string(static_cast<int>(order));
  }
}

bool parse_children_order(const std::string& name, v1::ChildrenRequest::Order& out) {
  for (auto o : {v1::ChildrenRequest::SUPERVISOR_ORDER, v1::ChildrenRequest::BY_MAILBOX,
                 v1::ChildrenRequest::BY_MEMORY, v1::ChildrenRequest::BY_REDUCTIONS})
    if (children_order_name(o) == name) {
      out = o;
      return true;
    }
  return false;
}

nlohmann::json children_json(const std::string& node, const v1::ChildrenPage& page) {
  auto children = nlohmann::json::array();
  for (const auto& c : page.children()) children.push_back(tree_node_json(c));
  return nlohmann::json{
      {"node", node},
      {"supervisor_id", page.supervisor_id()},
      {"offset", page.offset()},
      {"total", page.total()},
      {"order", children_order_name(page.order())},
      {"children", std::move(children)},
  };
}

}  // namespace beamscope::cli
