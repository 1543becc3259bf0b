// `children SUPERVISOR_ID [--offset N] [--limit N] [--by ...]`: one page of
// a supervisor's children, asked of the agent (huge dynamic supervisors
// are only summarised in the tree).
#include <iostream>
#include <memory>
#include <random>

#include "beamscope/transport/stream_client.hpp"
#include "commands/commands.hpp"
#include "render/render.hpp"
#include "snapshot_source.hpp"

namespace beamscope::cli {
namespace {

struct ChildrenOptions {
  std::string supervisor_id;
  std::uint32_t offset = 0;
  std::uint32_t limit = 100;
  std::string by = "mailbox";
};

std::uint64_t request_id() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32 | rd()) | 1;  // never 0
}

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
    v1::ChildrenRequest request;
    request.set_request_id(request_id());
    request.set_supervisor_id(opts->supervisor_id);
    request.set_offset(opts->offset);
    request.set_limit(opts->limit);
    v1::ChildrenRequest::Order order{};
    parse_children_order(opts->by, order);  // already checked by IsMember
    request.set_order(order);
    std::string error;
    auto page = transport::fetch_children(global.endpoint, state->name, request,
                                          std::chrono::milliseconds(global.timeout_ms), error, state->security);
    if (!page) {
      if (error.rfind("no answer", 0) == 0)
        std::cerr << "beamscope-ctl: no children page from " << global.endpoint << " within " << global.timeout_ms
                  << " ms (" << error << ")\n";
      else
        std::cerr << "beamscope-ctl: " << error << "\n";
      return kExitFailure;
    }
    if (!page->error().empty()) {
      std::cerr << "beamscope-ctl: " << state->name << ": " << page->error() << "\n";
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
