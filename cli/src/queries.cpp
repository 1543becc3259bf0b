#include "queries.hpp"

#include <chrono>
#include <tuple>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "render/history_render.hpp"
#include "request_source.hpp"
#include "snapshot_source.hpp"

namespace beamscope::cli {
namespace {

// An answer whose error() is set is the agent's refusal: a failure, said.
template <class Answer>
std::optional<NodeAnswer<Answer>> refused_is_failure(NodeAnswer<Answer> out, int& exit_code, std::ostream& messages) {
  if (out.answer.error().empty()) return out;
  messages << "beamscope-ctl: " << out.node << ": " << out.answer.error() << "\n";
  exit_code = kExitFailure;
  return std::nullopt;
}

}  // namespace

std::optional<NodeAnswer<v1::ProcessesPage>> query_processes(const GlobalOptions& opts,
                                                             const v1::ProcessesRequest& request, int& exit_code,
                                                             std::ostream& messages) {
  protocol::Envelope env;
  *env.mutable_processes_request() = request;
  env.mutable_processes_request()->set_request_id(new_request_id());
  NodeAnswer<v1::ProcessesPage> out;
  auto answer = ask_node(opts, std::move(env), out.node, exit_code, messages);
  if (!answer) return std::nullopt;
  out.answer = answer->processes_page();
  return refused_is_failure(std::move(out), exit_code, messages);
}

std::optional<NodeAnswer<v1::ProcessDetail>> query_process(const GlobalOptions& opts, const std::string& pid,
                                                           int& exit_code, std::ostream& messages) {
  protocol::Envelope env;
  env.mutable_process_request()->set_request_id(new_request_id());
  env.mutable_process_request()->set_pid(pid);
  NodeAnswer<v1::ProcessDetail> out;
  auto answer = ask_node(opts, std::move(env), out.node, exit_code, messages);
  if (!answer) return std::nullopt;
  out.answer = answer->process_detail();
  return refused_is_failure(std::move(out), exit_code, messages);
}

std::optional<NodeAnswer<v1::ActionResult>> query_action(const GlobalOptions& opts, v1::ActionRequest request,
                                                         int& exit_code, std::ostream& messages) {
  request.set_request_id(new_request_id());
  protocol::Envelope env;
  *env.mutable_action_request() = std::move(request);
  NodeAnswer<v1::ActionResult> out;
  auto answer = ask_node(opts, std::move(env), out.node, exit_code, messages);
  if (!answer) return std::nullopt;
  out.answer = answer->action_result();
  return out;
}

namespace {

// --since, or --from/--to, into `q`; a usage failure otherwise.
std::optional<HistoryQuery> with_range(HistoryQuery q, const HistoryRangeText& range, int& exit_code,
                                       std::ostream& messages) {
  exit_code = kExitUsage;
  if (!range.since.empty()) {
    if (!range.from.empty() || !range.to.empty()) {
      messages << "beamscope-ctl: --since and --from/--to exclude each other\n";
      return std::nullopt;
    }
    const auto d = parse_duration_us(range.since);
    if (!d) {
      messages << "beamscope-ctl: --since " << range.since << ": expected a duration like 90s, 5m, 2h or 1d\n";
      return std::nullopt;
    }
    q.from_us = protocol::now_us() - *d;
    exit_code = kExitOk;
    return q;
  }
  for (auto [text, out, name] :
       {std::tuple{&range.from, &q.from_us, "--from"}, std::tuple{&range.to, &q.to_us, "--to"}}) {
    if (text->empty()) continue;
    const auto t = parse_time_us(*text);
    if (!t) {
      messages << "beamscope-ctl: " << name << " " << *text
               << ": expected unix seconds or a UTC time like 2026-12-03T14:00:00Z\n";
      return std::nullopt;
    }
    *out = *t;
  }
  if (q.to_us != 0 && q.from_us > q.to_us) {
    messages << "beamscope-ctl: --from is after --to\n";
    return std::nullopt;
  }
  exit_code = kExitOk;
  return q;
}

}  // namespace

std::optional<HistoryQuery> parse_history_query(const std::string& series, const HistoryRangeText& range,
                                                int& exit_code, std::ostream& messages) {
  HistoryQuery q;
  q.series = protocol::find_series(series);
  if (!q.series) {
    exit_code = kExitUsage;
    messages << "beamscope-ctl: unknown series " << series << "; known: " << protocol::series_names() << "\n";
    return std::nullopt;
  }
  return with_range(q, range, exit_code, messages);
}

std::optional<HistoryQuery> parse_log_query(v1::HistoryRequest::Log log, const HistoryRangeText& range,
                                            int& exit_code, std::ostream& messages) {
  HistoryQuery q;
  q.log = log;
  return with_range(q, range, exit_code, messages);
}

std::optional<NodeAnswer<v1::HistoryAnswer>> query_history(const GlobalOptions& opts, const HistoryQuery& query,
                                                           int& exit_code, std::ostream& messages) {
  NodeAnswer<v1::HistoryAnswer> out;
  transport::ClientSecurity security;
  if (!opts.node.empty() && opts.replay.empty()) {
    // A named node is asked about directly: a collector keeps the history
    // of a node that has left it (a post-mortem), which no snapshot names.
    auto keys = endpoint_security(opts, exit_code, messages);
    if (!keys) return std::nullopt;
    security = std::move(*keys);
    out.node = opts.node;
  } else {
    // The snapshot names the node (the single one an agent serves).
    auto state = fetch_node(opts, exit_code, messages);
    if (!state) return std::nullopt;
    out.node = state->name;
    security = std::move(state->security);
  }
  v1::HistoryRequest request;
  request.set_request_id(new_request_id());
  if (query.series) request.set_series(std::string(query.series->name));
  request.set_log(query.log);
  request.set_from_us(query.from_us);
  request.set_to_us(query.to_us);
  std::string error;
  auto answer = transport::fetch_history(opts.endpoint, out.node, request, std::chrono::milliseconds(opts.timeout_ms),
                                         error, security);
  if (!answer) {
    messages << "beamscope-ctl: " << error << "\n";
    exit_code = kExitFailure;
    return std::nullopt;
  }
  out.answer = std::move(*answer);
  // A server before 1.5 reads a log request as an unnamed series.
  if (query.log != v1::HistoryRequest::SERIES && out.answer.log() != query.log && !out.answer.error().empty())
    out.answer.set_error("this server keeps no alert or tree change log (protocol before 1.5)");
  return refused_is_failure(std::move(out), exit_code, messages);
}

}  // namespace beamscope::cli
