// `children` for people: one row per child of the page.
#include <fmt/format.h>

#include "render.hpp"

namespace beamscope::cli {

void print_children_text(std::ostream& out, const std::string& node, const v1::ChildrenPage& page) {
  const std::size_t shown = static_cast<std::size_t>(page.children_size());
  out << fmt::format("{}: {} — children {}..{} of {}, by {}\n", node, page.supervisor_id(),
                     shown ? page.offset() + 1 : page.offset(), page.offset() + shown, page.total(),
                     children_order_name(page.order()));
  out << fmt::format("{:>7}  {:<16} {:<10} {:>10} {:>12} {:>14} {:>8}  {}\n", "#", "pid", "kind", "mbox", "memory",
                     "reductions", "restarts", "name");
  std::size_t i = page.offset();
  for (const auto& c : page.children()) {
    const std::string pid = c.pid().empty() ? c.pid_state() : c.pid();
    const std::string name = c.registered_name().empty() ? c.name() : c.registered_name();
    out << fmt::format("{:>7}  {:<16} {:<10} {:>10} {:>12} {:>14} {:>8}  {}\n", ++i, pid, tree_kind_name(c.kind()),
                       c.message_queue_len(), c.memory_bytes(), c.reductions(), c.restarts_total(), name);
  }
}

}  // namespace beamscope::cli
