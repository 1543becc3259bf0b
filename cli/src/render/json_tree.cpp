// The `tree` document: the flattened forest of the keyframe nested again
// (application -> supervisors -> children), every field always present.
#include <cctype>

#include "beamscope/protocol/supervision.hpp"
#include "beamscope/protocol/tree_forest.hpp"
#include "render.hpp"

namespace beamscope::cli {
namespace {

std::string lower_enum(const std::string& name, int value) {
  if (name.empty()) return "kind_" + std::to_string(value);
  std::string s = name;
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Forest {
  const protocol::Keyframe& kf;
  protocol::TreeForest links;
  std::vector<char> placed;
};

nlohmann::json nest(Forest& f, int i, int depth) {
  f.placed[i] = 1;
  nlohmann::json j = tree_node_json(f.kf.tree(i));
  auto& kids = j["children"];
  // Past the bound, descendants stay unplaced and are listed flat.
  const auto& children = f.links.children[static_cast<std::size_t>(i)];
  if (depth < protocol::kMaxTreeDepth)
    for (int k : children) kids.push_back(nest(f, k, depth + 1));
  // The real child count, whether or not the agent sent only a page.
  const auto listed = children.size();
  const std::uint64_t total = std::max<std::uint64_t>(f.kf.tree(i).children_total(), listed);
  j["children_total"] = total;
  j["children_paged"] = listed < total;
  return j;
}

}  // namespace

std::string tree_kind_name(protocol::TreeNode::Kind kind) {
  return lower_enum(protocol::TreeNode::Kind_Name(kind), static_cast<int>(kind));
}

std::string event_kind_name(v1::Event::Kind kind) {
  return lower_enum(v1::Event::Kind_Name(kind), static_cast<int>(kind));
}

nlohmann::json tree_node_json(const protocol::TreeNode& n) {
  auto modules = nlohmann::json::array();
  for (const auto& m : n.modules()) modules.push_back(m);
  auto restarts = nlohmann::json::array();
  for (const auto& r : n.recent_restarts())
    restarts.push_back({{"time_us", r.time_us()}, {"reason", r.reason()}, {"old_pid", r.old_pid()},
                        {"new_pid", r.new_pid()}});
  // Headroom only means something for a supervisor whose flags were read;
  // elsewhere 0 would read as "about to give up", so it is null.
  nlohmann::json headroom = nullptr;
  if (const auto left = protocol::restart_headroom(n)) headroom = *left;
  return nlohmann::json{
      {"id", n.id()},
      {"parent_id", n.parent_id()},
      {"name", n.name()},
      {"registered_name", n.registered_name()},
      {"kind", tree_kind_name(n.kind())},
      {"application", n.application()},
      {"pid", n.pid()},
      {"pid_state", n.pid_state()},
      {"restart_type", n.restart_type()},
      {"shutdown", n.shutdown()},
      {"modules", std::move(modules)},
      {"strategy", n.strategy()},
      {"intensity", n.intensity()},
      {"period_s", n.period_s()},
      {"child_specs", n.child_specs()},
      {"active_children", n.active_children()},
      {"supervisors", n.supervisors()},
      {"workers", n.workers()},
      {"restarts_total", n.restarts_total()},
      {"self_restarts_total", n.self_restarts_total()},
      {"restarts_in_period", n.restarts_in_period()},
      {"headroom", std::move(headroom)},
      {"escalated", n.escalated()},
      {"unresponsive", n.unresponsive()},
      {"walk_error", n.walk_error()},
      {"children_total", n.children_total()},
      {"children_paged", false},
      {"message_queue_len", n.message_queue_len()},
      {"memory_bytes", n.memory_bytes()},
      {"reductions", n.reductions()},
      {"recent_restarts", std::move(restarts)},
      {"children", nlohmann::json::array()},
  };
}

nlohmann::json tree_json(const std::string& node, std::int64_t timestamp_us, const protocol::Keyframe& kf) {
  Forest f{kf, protocol::link_forest(kf.tree()), {}};
  const int n = kf.tree_size();
  f.placed.assign(static_cast<std::size_t>(n), 0);
  auto roots = nlohmann::json::array();
  for (int r : f.links.roots) roots.push_back(nest(f, r, 0));
  // Entries no root reaches (a parent cycle) and the children of entries
  // at the depth bound, listed flat rather than dropped.
  auto unplaced = nlohmann::json::array();
  for (int i = 0; i < n; ++i)
    if (!f.placed[static_cast<std::size_t>(i)]) unplaced.push_back(tree_node_json(kf.tree(i)));
  const auto& s = kf.tree_stats();
  return nlohmann::json{
      {"node", node},
      {"timestamp_us", timestamp_us},
      {"tree_stats",
       {{"walked_at_us", s.walked_at_us()},
        {"walk_duration_us", s.walk_duration_us()},
        {"walks_total", s.walks_total()},
        {"unresponsive", s.unresponsive()}}},
      {"entries", n},
      {"applications", std::move(roots)},
      {"unplaced", std::move(unplaced)},
  };
}

}  // namespace beamscope::cli
