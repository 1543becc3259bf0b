// `children SUPERVISOR_ID [--offset N] [--limit N] [--by ...]`: one page of
// a supervisor's children, asked of the agent (huge dynamic supervisors
// are only summarised in the tree).
#include <iostream>
#include <memory>

#include "commands/commands.hpp"
#include "render/render.hpp"
#include "replay_source.hpp"
#include "snapshot_source.hpp"

namespace beamscope::cli {
namespace {

struct ChildrenOptions {
  std::string supervisor_id;
  std::uint32_t offset = 0;
  std::uint32_t limit = 100;
  std::string by = "mailbox";
};

}  // namespace

Command add_children_command(CLI::App& app) {
  auto opts = std::make_shared<ChildrenOptions>();
  Command c;
  c.sub = app.add_subcommand("children", "one page of a supervisor's children, ordered, asked of the agent");
  c.sub->add_option("supervisor_id", opts->supervisor_id, "the supervisor's id, as `tree` prints it")
      ->required();
  c.sub->add_option("--offset", opts->offset, "index of the first child in the order")->capture_default_str();
  c.sub->add_option("--limit", opts->limit, "children in the page (at most 1000)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  c.sub->add_option("--by", opts->by, "supervisor (which_children order) | mailbox | memory | reductions")
      ->check(CLI::IsMember({"supervisor", "mailbox", "memory", "reductions"}))
      ->capture_default_str();
  c.run = [opts](const GlobalOptions& global) -> int {
    // The snapshot names the node (and picks --node out of a collector's).
    int exit_code = kExitOk;
    auto state = fetch_node(global, exit_code);
    if (!state) return exit_code;
    v1::ChildrenRequest::Order order{};
    parse_children_order(opts->by, order);  // already checked by IsMember
    if (!global.replay.empty() || !global.at.empty()) {
      // From the recorded tree (a file, or a collector's at --at): the
      // agent's own pages are not recorded.
      v1::ChildrenRequest request;
      request.set_supervisor_id(opts->supervisor_id);
      request.set_offset(opts->offset);
      request.set_limit(opts->limit);
      request.set_order(order);
      const auto recorded = children_from_tree(*state->model, request);
      if (!recorded.error().empty()) {
        std::cerr << "beamscope-ctl: " << state->name << ": " << recorded.error() << "\n";
        return kExitFailure;
      }
      if (global.json)
        std::cout << dump_json(children_json(state->name, recorded)) << "\n";
      else
        print_children_text(std::cout, state->name, recorded);
      return kExitOk;
    }
    std::string error;
    auto page = fetch_children_page(global, *state, opts->supervisor_id, opts->offset, opts->limit, order, error);
    if (!page) {
      std::cerr << "beamscope-ctl: " << error << "\n";
      return kExitFailure;
    }
    if (global.json)
      std::cout << dump_json(children_json(state->name, *page)) << "\n";
    else
      print_children_text(std::cout, state->name, *page);
    return kExitOk;
  };
  return c;
}

}  // namespace beamscope::cli
