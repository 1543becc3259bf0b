// `history`: one series of a node over a range, or a collector's log, as JSON (fields in
// cli/README-json.md) and as text, and the parsing of its time options
// (--since 90s|5m|2h|1d, --from/--to as unix seconds or UTC
// YYYY-MM-DDTHH:MM:SSZ). No I/O: unit-testable.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "beamscope.pb.h"
#include "beamscope/protocol/history_series.hpp"

namespace beamscope::cli {

/// "90s", "5m", "2h", "1d", "300" (seconds): microseconds; nullopt when malformed.
std::optional<std::int64_t> parse_duration_us(const std::string& text);
/// "1764770000" / "1764770000.5" (unix seconds) or "2026-12-03T14:00:00Z": unix us.
std::optional<std::int64_t> parse_time_us(const std::string& text);

/// {node, series, unit, kind, from_us, to_us, oldest_us, count, points: [{time_us, value, min, max, span_ms}]}.
nlohmann::json history_json(const std::string& node, const protocol::SeriesDef& series, std::int64_t from_us,
                            std::int64_t to_us, const v1::HistoryAnswer& answer);

void print_history_text(std::ostream& out, const std::string& node, const protocol::SeriesDef& series,
                        const v1::HistoryAnswer& answer);

/// "alerts" or "tree_changes": the `log` of history_log_json.
const char* history_log_name(v1::HistoryRequest::Log log);

/// {node, log, from_us, to_us, oldest_us, count, omitted, entries: [{time_us, kind, subject, name, summary,
/// alert, severity, pid}]}: a collector's alert or tree change log (history_log.cpp).
nlohmann::json history_log_json(const std::string& node, v1::HistoryRequest::Log log, std::int64_t from_us,
                                std::int64_t to_us, const v1::HistoryAnswer& answer);

void print_history_log_text(std::ostream& out, const std::string& node, v1::HistoryRequest::Log log,
                            const v1::HistoryAnswer& answer);

/// "2026-12-03T14:00:00Z" (to the second) of a unix time in µs.
std::string utc_text(std::int64_t time_us);

}  // namespace beamscope::cli
