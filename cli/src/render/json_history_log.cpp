// `history --alerts` / `--tree-changes`: a collector's log of a node, as
// JSON (fields in cli/README-json.md) and as text; see history_render.hpp.
#include <fmt/format.h>

#include "render/history_render.hpp"

namespace beamscope::cli {

const char* history_log_name(v1::HistoryRequest::Log log) {
  return log == v1::HistoryRequest::ALERTS ? "alerts" : "tree_changes";
}

nlohmann::json history_log_json(const std::string& node, v1::HistoryRequest::Log log, std::int64_t from_us,
                                std::int64_t to_us, const v1::HistoryAnswer& answer) {
  auto entries = nlohmann::json::array();
  for (const auto& e : answer.entries())
    entries.push_back({{"time_us", e.time_us()},
                       {"kind", e.kind()},
                       {"subject", e.subject()},
                       {"name", e.name()},
                       {"summary", e.summary()},
                       {"alert", e.alert()},
                       {"severity", e.severity()},
                       {"pid", e.pid()}});
  return nlohmann::json{
      {"node", node},
      {"log", history_log_name(log)},
      {"from_us", from_us},
      {"to_us", to_us},
      {"oldest_us", answer.oldest_us()},
      {"count", answer.entries_size()},
      {"omitted", answer.entries_omitted()},
      {"entries", std::move(entries)},
  };
}

void print_history_log_text(std::ostream& out, const std::string& node, v1::HistoryRequest::Log log,
                            const v1::HistoryAnswer& answer) {
  out << fmt::format("{} {}, {} entries{}\n", node, history_log_name(log), answer.entries_size(),
                     answer.entries_omitted() ? fmt::format(" (and {} older: narrow --to)", answer.entries_omitted())
                                              : "");
  for (const auto& e : answer.entries()) {
    // An alert is named by its kind; a tree entry by its id.
    const std::string what = e.alert().empty() ? e.subject() : e.alert() + " " + e.subject();
    // A severity change says which severity the alert is at now.
    const bool severity_change = e.kind() == "escalated" || e.kind() == "deescalated";
    const std::string summary = severity_change ? fmt::format("now {}: {}", e.severity(), e.summary()) : e.summary();
    out << fmt::format("{}  {:<11}  {:<40}  {}\n", utc_text(e.time_us()), e.kind(), what, summary);
  }
}

}  // namespace beamscope::cli
