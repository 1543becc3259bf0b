// `history --series NAME [--since D | --from T --to T]`: one VM series of a
// node over a range, asked of an agent (its ring of history_s seconds) or
// of a collector (an hour at 1 s, a day at 1 min).
#include <iostream>
#include <memory>
#include <random>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/history_series.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "commands/commands.hpp"
#include "render/history_render.hpp"
#include "render/render.hpp"
#include "snapshot_source.hpp"

namespace beamscope::cli {
namespace {

struct HistoryOptions {
  std::string series;
  std::string since;
  std::string from;
  std::string to;
};

std::uint64_t request_id() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32 | rd()) | 1;  // never 0
}

// The range asked for, from the options; false (message printed) when bad.
bool range(const HistoryOptions& o, std::int64_t& from_us, std::int64_t& to_us) {
  from_us = to_us = 0;
  if (!o.since.empty()) {
    if (!o.from.empty() || !o.to.empty()) {
      std::cerr << "beamscope-ctl: --since and --from/--to exclude each other\n";
      return false;
    }
    const auto d = parse_duration_us(o.since);
    if (!d) {
      std::cerr << "beamscope-ctl: --since " << o.since << ": expected a duration like 90s, 5m, 2h or 1d\n";
      return false;
    }
    from_us = protocol::now_us() - *d;
    return true;
  }
  for (auto [text, out, name] : {std::tuple{&o.from, &from_us, "--from"}, std::tuple{&o.to, &to_us, "--to"}}) {
    if (text->empty()) continue;
    const auto t = parse_time_us(*text);
    if (!t) {
      std::cerr << "beamscope-ctl: " << name << " " << *text
                << ": expected unix seconds or a UTC time like 2026-12-03T14:00:00Z\n";
      return false;
    }
    *out = *t;
  }
  if (to_us != 0 && from_us > to_us) {
    std::cerr << "beamscope-ctl: --from is after --to\n";
    return false;
  }
  return true;
}

}  // namespace

Command add_history_command(CLI::App& app) {
  auto opts = std::make_shared<HistoryOptions>();
  Command c;
  c.sub = app.add_subcommand("history", "one VM series of a node over time, from an agent's ring or a collector");
  c.sub->add_option("--series", opts->series, "series name: " + protocol::series_names())->required();
  c.sub->add_option("--since", opts->since, "the last DURATION (90s, 5m, 2h, 1d); default: all kept");
  c.sub->add_option("--from", opts->from, "start: unix seconds or UTC YYYY-MM-DDTHH:MM:SSZ");
  c.sub->add_option("--to", opts->to, "end: unix seconds or UTC YYYY-MM-DDTHH:MM:SSZ");
  c.run = [opts](const GlobalOptions& global) -> int {
    const protocol::SeriesDef* series = protocol::find_series(opts->series);
    if (!series) {
      std::cerr << "beamscope-ctl: unknown series " << opts->series << "; known: " << protocol::series_names()
                << "\n";
      return kExitUsage;
    }
    std::int64_t from_us = 0, to_us = 0;
    if (!range(*opts, from_us, to_us)) return kExitUsage;
    // The snapshot names the node (and picks --node out of a collector's).
    int exit_code = kExitOk;
    auto state = fetch_node(global, exit_code);
    if (!state) return exit_code;
    v1::HistoryRequest request;
    request.set_request_id(request_id());
    request.set_series(std::string(series->name));
    request.set_from_us(from_us);
    request.set_to_us(to_us);
    std::string error;
    auto answer = transport::fetch_history(global.endpoint, state->name, request,
                                           std::chrono::milliseconds(global.timeout_ms), error, state->security);
    if (!answer) {
      std::cerr << "beamscope-ctl: " << error << "\n";
      return kExitFailure;
    }
    if (!answer->error().empty()) {
      std::cerr << "beamscope-ctl: " << state->name << ": " << answer->error() << "\n";
      return kExitFailure;
    }
    if (global.json)
      std::cout << dump_json(history_json(state->name, *series, from_us, to_us, *answer)) << "\n";
    else
      print_history_text(std::cout, state->name, *series, *answer);
    return kExitOk;
  };
  return c;
}

}  // namespace beamscope::cli
