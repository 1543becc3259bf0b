// `history --series NAME | --alerts | --tree-changes [--since D | --from T
// --to T]`: one VM series of a node over a range, asked of an agent (its
// ring of history_s seconds) or of a collector (an hour at 1 s, a day at
// 1 min); or a collector's alert or supervision-tree change log of it.
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
  bool alerts = false, tree_changes = false;
  HistoryRangeText range;
};

}  // namespace

Command add_history_command(CLI::App& app) {
  auto opts = std::make_shared<HistoryOptions>();
  Command c;
  c.sub = app.add_subcommand("history",
                             "one VM series of a node over time, from an agent's ring or a collector; or a "
                             "collector's alert or tree change log");
  auto* series = c.sub->add_option("--series", opts->series, "series name: " + protocol::series_names());
  auto* alerts = c.sub->add_flag("--alerts", opts->alerts,
                                 "the alerts raised, escalated, deescalated and cleared (a collector's log)");
  auto* tree = c.sub->add_flag("--tree-changes", opts->tree_changes,
                               "supervision-tree entries added, removed, restarted (a collector's log)");
  series->excludes(alerts)->excludes(tree);
  alerts->excludes(tree);
  c.sub->add_option("--since", opts->range.since, "the last DURATION (90s, 5m, 2h, 1d); default: all kept");
  c.sub->add_option("--from", opts->range.from, "start: unix seconds or UTC YYYY-MM-DDTHH:MM:SSZ");
  c.sub->add_option("--to", opts->range.to, "end: unix seconds or UTC YYYY-MM-DDTHH:MM:SSZ");
  c.run = [opts](const GlobalOptions& global) -> int {
    int exit_code = kExitOk;
    if (opts->series.empty() && !opts->alerts && !opts->tree_changes) {
      std::cerr << "beamscope-ctl: history needs --series NAME, --alerts or --tree-changes\n";
      return kExitUsage;
    }
    const auto log = opts->alerts         ? v1::HistoryRequest::ALERTS
                     : opts->tree_changes ? v1::HistoryRequest::TREE_CHANGES
                                          : v1::HistoryRequest::SERIES;
    auto query = log == v1::HistoryRequest::SERIES ? parse_history_query(opts->series, opts->range, exit_code)
                                                   : parse_log_query(log, opts->range, exit_code);
    if (!query) return exit_code;
    auto answer = query_history(global, *query, exit_code);
    if (!answer) return exit_code;
    if (log != v1::HistoryRequest::SERIES) {
      if (global.json)
        std::cout << dump_json(history_log_json(answer->node, log, query->from_us, query->to_us, answer->answer))
                  << "\n";
      else
        print_history_log_text(std::cout, answer->node, log, answer->answer);
    } else if (global.json) {
      std::cout << dump_json(history_json(answer->node, *query->series, query->from_us, query->to_us, answer->answer))
                << "\n";
    } else {
      print_history_text(std::cout, answer->node, *query->series, answer->answer);
    }
    return kExitOk;
  };
  return c;
}

}  // namespace beamscope::cli
