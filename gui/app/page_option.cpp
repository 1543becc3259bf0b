// --page; see page_option.hpp.
#include "page_option.hpp"

#include <cstdlib>

namespace beamscope::gui {

std::optional<PageOption> parse_page_option(const std::string& text, std::string& error) {
  PageOption opt;
  std::string rest = text;
  // Parsed from the right: a tree id has slashes, never colons.
  std::string parts[3];
  int n = 0;
  for (; n < 2; ++n) {
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos) break;
    parts[n] = rest.substr(colon + 1);
    rest.erase(colon);
  }
  opt.entry = rest;
  if (opt.entry.empty()) {
    error = "--page: no supervisor named in '" + text + "'";
    return std::nullopt;
  }
  // parts[0] is the last field: the order when two were given.
  std::string offset = n == 2 ? parts[1] : n == 1 ? parts[0] : "0", order = n == 2 ? parts[0] : "mailbox";
  char* end = nullptr;
  const unsigned long v = std::strtoul(offset.c_str(), &end, 10);
  if (offset.empty() || *end != '\0' || v > 0xFFFFFFFFul) {
    error = "--page: bad offset '" + offset + "'";
    return std::nullopt;
  }
  opt.offset = static_cast<std::uint32_t>(v);
  if (order == "mailbox") opt.order = v1::ChildrenRequest::BY_MAILBOX;
  else if (order == "memory") opt.order = v1::ChildrenRequest::BY_MEMORY;
  else if (order == "reductions") opt.order = v1::ChildrenRequest::BY_REDUCTIONS;
  else if (order == "supervisor") opt.order = v1::ChildrenRequest::SUPERVISOR_ORDER;
  else {
    error = "--page: order '" + order + "' is not one of mailbox, memory, reductions, supervisor";
    return std::nullopt;
  }
  return opt;
}

bool apply_page_option(const PageOption& opt, InspectorModel& model, std::string& id) {
  NodeView* n = model.selected();
  if (!n) return false;
  TreeModel& tree = n->tree;
  for (int i = 0; i < static_cast<int>(tree.size()); ++i) {
    const auto& e = tree.node(i);
    if (e.id() != opt.entry && e.registered_name() != opt.entry && e.name() != opt.entry) continue;
    id = e.id();
    tree.set_expanded(i, true);
    n->pager.set_order(id, opt.order);
    n->pager.go(id, opt.offset);
    return true;
  }
  return false;
}

bool page_settled(InspectorModel& model, const std::string& id) {
  NodeView* n = model.selected();
  if (!n) return false;
  const int sup = n->tree.find(id);
  bool pager = false;
  for (const TreeRow& r : n->tree.rows()) pager |= r.kind == TreeRow::Kind::kPager && r.node == sup;
  if (!pager) return true;  // every child came with the stream: nothing to fetch
  const PagerState* st = n->pager.find(id);
  return st && (st->current() || !st->error.empty());
}

}  // namespace beamscope::gui
