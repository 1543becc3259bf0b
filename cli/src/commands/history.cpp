// `history --series NAME [--since D | --from T --to T]`: one VM series of a
// node over a range, asked of an agent (its ring of history_s seconds) or
// of a collector (an hour at 1 s, a day at 1 min).
#include <iostream>
#include <memory>

#include "beamscope/protocol/history_series.hpp"
#include "commands/commands.hpp"
#include "queries.hpp"
#include "render/history_render.hpp"
#include "render/render.hpp"

namespace beamscope::cli {
namespace {

struct HistoryOptions {
  std::string series;
  HistoryRangeText range;
};

}  // namespace

Command add_history_command(CLI::App& app) {
  auto opts = std::make_shared<HistoryOptions>();
  Command c;
  c.sub = app.add_subcommand("history", "one VM series of a node over time, from an agent's ring or a collector");
  c.sub->add_option("--series", opts->series, "series name: " + protocol::series_names())->required();
  c.sub->add_option("--since", opts->range.since, "the last DURATION (90s, 5m, 2h, 1d); default: all kept");
  c.sub->add_option("--from", opts->range.from, "start: unix seconds or UTC YYYY-MM-DDTHH:MM:SSZ");
  c.sub->add_option("--to", opts->range.to, "end: unix seconds or UTC YYYY-MM-DDTHH:MM:SSZ");
  c.run = [opts](const GlobalOptions& global) -> int {
    int exit_code = kExitOk;
    auto query = parse_history_query(opts->series, opts->range, exit_code);
    if (!query) return exit_code;
    auto answer = query_history(global, *query, exit_code);
    if (!answer) return exit_code;
    if (global.json)
      std::cout << dump_json(history_json(answer->node, *query->series, query->from_us, query->to_us, answer->answer))
                << "\n";
    else
      print_history_text(std::cout, answer->node, *query->series, answer->answer);
    return kExitOk;
  };
  return c;
}

}  // namespace beamscope::cli
