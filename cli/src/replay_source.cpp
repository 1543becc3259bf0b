#include "replay_source.hpp"

#include <algorithm>
#include <iostream>

#include "beamscope/recording/info.hpp"
#include "beamscope/recording/reader.hpp"
#include "beamscope/recording/time_arg.hpp"

namespace beamscope::cli {

std::optional<protocol::FleetModel> replay_fleet(const GlobalOptions& opts, std::string& label, int& exit_code,
                                                 std::ostream& messages) {
  std::string error;
  auto reader = recording::Reader::open(opts.replay, error);
  if (!reader) {
    messages << "beamscope-ctl: cannot replay " << error << "\n";
    exit_code = kExitFailure;
    return std::nullopt;
  }
  if (reader->chunks().empty()) {
    messages << "beamscope-ctl: " << opts.replay << " holds no frames yet"
              << (reader->index_damage() ? " (" + reader->index_damage()->describe() + ")" : std::string()) << "\n";
    exit_code = kExitFailure;
    return std::nullopt;
  }
  auto at = recording::parse_time_arg(opts.at, reader->first_us(), reader->last_us(), error);
  if (!at) {
    messages << "beamscope-ctl: --at: " << error << "\n";
    exit_code = kExitUsage;
    return std::nullopt;
  }
  label = opts.replay + " at " + recording::format_time(*at);
  if (*at < reader->first_us()) {
    messages << "beamscope-ctl: " << label << ": before the recording starts ("
              << recording::format_time(reader->first_us()) << ")\n";
    exit_code = kExitFailure;
    return std::nullopt;
  }
  auto state = reader->state_at(*at);
  if (state.damage) {
    messages << "beamscope-ctl: warning: " << opts.replay << " is " << state.damage->describe()
              << "; answering from what precedes it ("
              << (state.records_applied ? recording::format_time(state.last_record_us) : std::string("nothing"))
              << ")\n";
  }
  return std::move(state.fleet);
}

std::string explain_absent_node(const GlobalOptions& opts, const std::string& label, int& exit_code) {
  exit_code = kExitUsage;
  std::string error;
  auto reader = recording::Reader::open(opts.replay, error);
  if (!reader) return "cannot replay " + error;
  auto info = recording::inspect(*reader);
  auto at = recording::parse_time_arg(opts.at, reader->first_us(), reader->last_us(), error).value_or(0);
  std::string names;
  for (const auto& [name, n] : info.nodes) names += (names.empty() ? "" : ", ") + name;
  auto it = info.nodes.find(opts.node);
  if (it != info.nodes.end() && it->second.first_us > at) {
    exit_code = kExitFailure;
    return "no state of node '" + opts.node + "' at " + label + " yet: its first frame is at " +
           recording::format_time(it->second.first_us);
  }
  if (it != info.nodes.end()) {
    exit_code = kExitFailure;
    return "no state of node '" + opts.node + "' at " + label + " (its frames run from " +
           recording::format_time(it->second.first_us) + " to " + recording::format_time(it->second.last_us) + ")";
  }
  if (info.totals.damage) {
    exit_code = kExitFailure;
    return "no node '" + opts.node + "' in what reads of " + opts.replay + " (it is " +
           info.totals.damage->describe() + "; the node may be past it); nodes: " + names;
  }
  return "no node '" + opts.node + "' in " + opts.replay + "; nodes: " + names;
}

v1::ChildrenPage children_from_tree(const protocol::NodeModel& model, const v1::ChildrenRequest& request) {
  v1::ChildrenPage page;
  page.set_request_id(request.request_id());
  page.set_supervisor_id(request.supervisor_id());
  page.set_offset(request.offset());
  page.set_order(request.order());
  auto sup = model.tree().find(request.supervisor_id());
  if (sup == model.tree().end()) {
    page.set_error("no supervisor " + request.supervisor_id() + " in the recorded tree");
    return page;
  }
  std::vector<const protocol::TreeNode*> children;
  for (const auto& [id, n] : model.tree())
    if (n.parent_id() == request.supervisor_id()) children.push_back(&n);
  auto key = [&](const protocol::TreeNode* n) -> std::uint64_t {
    switch (request.order()) {
      case v1::ChildrenRequest::BY_MAILBOX: return n->message_queue_len();
      case v1::ChildrenRequest::BY_MEMORY: return n->memory_bytes();
      case v1::ChildrenRequest::BY_REDUCTIONS: return n->reductions();
      default: return 0;
    }
  };
  std::stable_sort(children.begin(), children.end(),
                   [&](const protocol::TreeNode* a, const protocol::TreeNode* b) { return key(a) > key(b); });
  page.set_total(static_cast<std::uint32_t>(children.size()));
  for (std::size_t i = request.offset(); i < children.size() && i < std::size_t{request.offset()} + request.limit(); ++i)
    *page.add_children() = *children[i];
  return page;
}

}  // namespace beamscope::cli
