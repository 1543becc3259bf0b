// `ps [--by KEY] [--filter TEXT] [--app APP] [--min-mailbox N] [--offset N]
// [--limit N] [--asc]`: one page of every process of the node, sorted and
// filtered by the agent over its sweep (protocol 1.3).
#include <iostream>
#include <memory>

#include "beamscope/protocol/processes.hpp"
#include "commands/commands.hpp"
#include "render/render.hpp"
#include "queries.hpp"

namespace beamscope::cli {
namespace {

struct PsOptions {
  std::string by = "mailbox";
  std::string filter;
  std::string app;
  std::uint64_t min_mailbox = 0;
  std::uint32_t offset = 0;
  std::uint32_t limit = 20;
  bool ascending = false;
};

}  // namespace

Command add_ps_command(CLI::App& app) {
  auto opts = std::make_shared<PsOptions>();
  std::vector<std::string> keys;
  std::string keys_text;
  for (auto k : protocol::page_sort_keys()) {
    keys.emplace_back(protocol::page_key_name(k));
    keys_text += (keys_text.empty() ? "" : " | ") + keys.back();
  }
  Command c;
  c.sub = app.add_subcommand("ps", "every process of the node, one sorted and filtered page, asked of the agent");
  c.sub->add_option("--by", opts->by, keys_text)->check(CLI::IsMember(keys))->capture_default_str();
  c.sub->add_option("--filter", opts->filter, "name contains TEXT (registered name or initial call), any case");
  c.sub->add_option("--app", opts->app, "processes of this application only");
  c.sub->add_option("--min-mailbox", opts->min_mailbox, "processes with at least N queued messages");
  c.sub->add_option("--offset", opts->offset, "index of the first process in the order")->capture_default_str();
  c.sub->add_option("--limit", opts->limit, "processes in the page (at most 1000)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  c.sub->add_flag("--asc", opts->ascending, "smallest first (application: Z to A)");
  c.run = [opts](const GlobalOptions& global) -> int {
    auto req = protocol::processes_request(*protocol::parse_page_key(opts->by), opts->offset, opts->limit);
    req.set_name_filter(opts->filter);
    req.set_application(opts->app);
    req.set_min_mailbox(opts->min_mailbox);
    req.set_ascending(opts->ascending);
    int exit_code = kExitOk;
    auto page = query_processes(global, req, exit_code);
    if (!page) return exit_code;
    if (global.json)
      std::cout << dump_json(processes_page_json(page->node, req, page->answer)) << "\n";
    else
      print_processes_text(std::cout, page->node, page->answer);
    return kExitOk;
  };
  return c;
}

}  // namespace beamscope::cli
