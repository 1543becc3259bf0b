// `tree` and `events` for people: an indented tree and an event list.
#include <fmt/format.h>

#include <ctime>
#include <functional>

#include "beamscope/protocol/tree_forest.hpp"
#include "render.hpp"

namespace beamscope::cli {
namespace {

std::string entry_line(const protocol::TreeNode& n, std::size_t listed) {
  std::string line = n.registered_name().empty() ? n.name() : n.registered_name();
  line += fmt::format(" [{}]", tree_kind_name(n.kind()));
  if (!n.pid().empty()) line += " " + n.pid();
  if (!n.pid_state().empty()) line += " " + n.pid_state();
  if (n.kind() == protocol::TreeNode::SUPERVISOR) {
    line += fmt::format(" {} {}/{}s in period {}", n.strategy(), n.restarts_in_period(), n.intensity(), n.period_s());
    if (n.children_total() > listed) line += fmt::format(" ({} children, {} listed)", n.children_total(), listed);
  } else if (n.kind() != protocol::TreeNode::APPLICATION) {
    line += fmt::format(" mbox {} mem {}", n.message_queue_len(), n.memory_bytes());
  }
  if (n.restarts_total() != 0) line += fmt::format(" restarts {}", n.restarts_total());
  if (n.escalated()) line += " ESCALATED";
  if (n.unresponsive()) line += " UNRESPONSIVE" + (n.walk_error().empty() ? "" : " (" + n.walk_error() + ")");
  return line;
}

}  // namespace

void print_tree_text(std::ostream& out, const std::string& node, const protocol::Keyframe& kf) {
  out << node << ": supervision tree, " << kf.tree_size() << " entries\n";
  const protocol::TreeForest f = protocol::link_forest(kf.tree());
  std::size_t deeper = 0;
  std::function<void(int, int)> print = [&](int i, int depth) {
    const auto& kids = f.children[static_cast<std::size_t>(i)];
    out << std::string(static_cast<std::size_t>(depth) * 2, ' ') << entry_line(kf.tree(i), kids.size()) << "\n";
    if (depth >= protocol::kMaxTreeDepth) {
      deeper += kids.size();
      return;
    }
    for (int k : kids) print(k, depth + 1);
  };
  for (int r : f.roots) print(r, 0);
  // The same entries as --json and the inspector: nothing sent is dropped.
  if (!f.unreached.empty()) {
    out << "entries no root reaches (a parent cycle):\n";
    for (int u : f.unreached) out << "  " << entry_line(kf.tree(u), 0) << "\n";
  }
  if (deeper != 0) out << "(" << deeper << " subtrees deeper than " << protocol::kMaxTreeDepth << " levels: see --json)\n";
}

void print_events_text(std::ostream& out, const std::string& node, const protocol::Keyframe& kf, std::size_t limit) {
  const int n = kf.events_size();
  const int first = limit != 0 && static_cast<std::size_t>(n) > limit ? n - static_cast<int>(limit) : 0;
  out << fmt::format("{}: {} events\n", node, n - first);
  for (int i = first; i < n; ++i) {
    const auto& e = kf.events(i);
    const std::time_t secs = static_cast<std::time_t>(e.time_us() / 1000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    const std::string who = e.child().empty() ? (e.supervisor().empty() ? e.pid() : e.supervisor()) : e.child();
    out << fmt::format("{:02}:{:02}:{:02}Z {:<30} {:<40} {}{}\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
                       event_kind_name(e.kind()), who, e.reason(), e.detail().empty() ? "" : " " + e.detail());
  }
}

}  // namespace beamscope::cli
