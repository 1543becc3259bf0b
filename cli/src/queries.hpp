// The queries that ask the agent rather than read a snapshot (a process
// page, one process, an action, a series' history), each once: the
// commands print what they answer as text or JSON, the MCP tools hand it
// on as a document. Failures go to `messages` ("beamscope-ctl: ...") with
// the exit code the command returns.
#pragma once

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include "beamscope.pb.h"
#include "beamscope/protocol/history_series.hpp"
#include "ctl_options.hpp"

namespace beamscope::cli {

template <class Answer>
struct NodeAnswer {
  std::string node;  ///< the node that answered
  Answer answer;
};

/// One page of processes; the agent's refusal (page.error) is a failure.
std::optional<NodeAnswer<v1::ProcessesPage>> query_processes(const GlobalOptions& opts,
                                                             const v1::ProcessesRequest& request, int& exit_code,
                                                             std::ostream& messages = std::cerr);

/// One process in detail; the agent's "no such process" is a failure.
std::optional<NodeAnswer<v1::ProcessDetail>> query_process(const GlobalOptions& opts, const std::string& pid,
                                                           int& exit_code, std::ostream& messages = std::cerr);

/// An action's result, done or refused (the caller reads result.ok()).
std::optional<NodeAnswer<v1::ActionResult>> query_action(const GlobalOptions& opts, v1::ActionRequest request,
                                                         int& exit_code, std::ostream& messages = std::cerr);

/// A history range as the user gives it: --since DURATION, or --from/--to
/// times (unix seconds or UTC); all empty is all kept.
struct HistoryRangeText {
  std::string since, from, to;
};

struct HistoryQuery {
  const protocol::SeriesDef* series = nullptr;  ///< null for a log
  v1::HistoryRequest::Log log = v1::HistoryRequest::SERIES;
  std::int64_t from_us = 0, to_us = 0;  ///< 0: open
};

/// The series and range checked; a usage failure otherwise.
std::optional<HistoryQuery> parse_history_query(const std::string& series, const HistoryRangeText& range,
                                                int& exit_code, std::ostream& messages = std::cerr);
/// A log of a collector (alerts, tree changes) and the range checked.
std::optional<HistoryQuery> parse_log_query(v1::HistoryRequest::Log log, const HistoryRangeText& range,
                                            int& exit_code, std::ostream& messages = std::cerr);

/// One series, or one log, of the selected node over the range.
std::optional<NodeAnswer<v1::HistoryAnswer>> query_history(const GlobalOptions& opts, const HistoryQuery& query,
                                                           int& exit_code, std::ostream& messages = std::cerr);

}  // namespace beamscope::cli
