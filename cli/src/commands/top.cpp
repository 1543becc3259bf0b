// `top --by mailbox|memory|reductions|gc --limit N`: the hot set ranked.
#include <iostream>
#include <memory>

#include "commands/commands.hpp"
#include "render/render.hpp"
#include "snapshot_source.hpp"

namespace beamscope::cli {
namespace {

struct TopOptions {
  std::string by = "mailbox";
  std::size_t limit = 10;
};

}  // namespace

Command add_top_command(CLI::App& app) {
  auto opts = std::make_shared<TopOptions>();
  Command c;
  c.sub = app.add_subcommand("top", "processes of the hot set, ranked by one column");
  c.sub->add_option("--by", opts->by, "mailbox | memory | reductions | gc")
      ->check(CLI::IsMember({"mailbox", "memory", "reductions", "gc"}))
      ->capture_default_str();
  c.sub->add_option("--limit", opts->limit, "at most this many processes")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  c.run = [opts](const GlobalOptions& global) -> int {
    protocol::SortKey key{};
    protocol::parse_sort_key(opts->by, key);  // already checked by IsMember
    return with_snapshot(global, [&](const NodeState& state, const v1::Keyframe&) {
      const auto rows = state.model->top(key, opts->limit);
      if (global.json)
        std::cout << dump_json(top_json(state.name, key, opts->limit, state.model->updated_us(),
                                        state.model->hot_count(), rows))
                  << "\n";
      else
        print_top_text(std::cout, state.name, key, rows);
    });
  };
  return c;
}

}  // namespace beamscope::cli
