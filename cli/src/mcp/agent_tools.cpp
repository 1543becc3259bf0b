// The MCP tools that ask the agent rather than read the snapshot: ps, proc,
// history, and the actions. Each runs the query its command runs
// (queries.hpp) and answers the document its --json prints.
#include <sstream>

#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/processes.hpp"
#include "mcp/query_tools.hpp"
#include "mcp/tool_support.hpp"
#include "queries.hpp"
#include "render/history_render.hpp"
#include "render/render.hpp"

namespace beamscope::cli::mcp {
namespace {

using nlohmann::json;

const json kPidArg = {{"type", "string"}, {"maxLength", 64}, {"description", "the process, as <0.123.0>"}};

Tool ps_tool(const GlobalOptions& g) {
  json keys = json::array();
  for (auto k : protocol::page_sort_keys()) keys.push_back(std::string(protocol::page_key_name(k)));
  json props = {
      {"by", {{"type", "string"}, {"enum", keys}, {"default", "mailbox"}, {"description", "the order"}}},
      {"filter", {{"type", "string"}, {"maxLength", protocol::limits::kMaxNameFilter},
                  {"description", "name contains this text (registered name or initial call), any case"}}},
      {"app", {{"type", "string"}, {"maxLength", 255}, {"description", "processes of this application only"}}},
      {"min_mailbox", {{"type", "integer"}, {"minimum", 0}, {"maximum", 4294967295LL}, {"default", 0},
                       {"description", "processes with at least this many queued messages"}}},
      {"offset", {{"type", "integer"}, {"minimum", 0}, {"maximum", 4294967295LL}, {"default", 0}}},
      {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", protocol::limits::kMaxPageProcesses},
                 {"default", 20}}},
      {"ascending", {{"type", "boolean"}, {"default", false}, {"description", "smallest first"}}}};
  return {"ps", "Every process, paged",
          "One sorted and filtered page of every process of the node (not only the hot set), sorted by the "
          "agent over its sweep: mailbox, memory, reductions or their rates, mailbox growth, application.",
          tool_schema(std::move(props)), false, [g](const json& args, std::string& error) -> std::optional<json> {
            auto req = protocol::processes_request(*protocol::parse_page_key(args.value("by", "mailbox")),
                                                   args.value("offset", std::uint32_t{0}),
                                                   args.value("limit", std::uint32_t{20}));
            req.set_name_filter(args.value("filter", ""));
            req.set_application(args.value("app", ""));
            req.set_min_mailbox(args.value("min_mailbox", std::uint64_t{0}));
            req.set_ascending(args.value("ascending", false));
            std::ostringstream messages;
            int exit_code = kExitOk;
            auto page = query_processes(call_options(g, args), req, exit_code, messages);
            if (!page) {
              error = tool_error(messages);
              return std::nullopt;
            }
            return processes_page_json(page->node, req, page->answer);
          }};
}

Tool proc_tool(const GlobalOptions& g) {
  return {"proc", "One process in detail",
          "One process read by the agent on demand: names, application and place in the tree, status, stack, "
          "links and monitors, heap and GC, reductions, mailbox with its growth, dictionary keys.",
          tool_schema({{"pid", kPidArg}}, {"pid"}), false,
          [g](const json& args, std::string& error) -> std::optional<json> {
            std::ostringstream messages;
            int exit_code = kExitOk;
            auto detail = query_process(call_options(g, args), args["pid"].get<std::string>(), exit_code, messages);
            if (!detail) {
              error = tool_error(messages);
              return std::nullopt;
            }
            return process_detail_json(detail->node, detail->answer);
          }};
}

Tool history_tool(const GlobalOptions& g) {
  json names = json::array();
  for (const auto& s : protocol::series_vocabulary()) names.push_back(std::string(s.name));
  json props = {
      {"series", {{"type", "string"}, {"enum", names}, {"description", "the VM series"}}},
      {"since", {{"type", "string"}, {"maxLength", 32}, {"description", "the last duration: 90s, 5m, 2h, 1d"}}},
      {"from", {{"type", "string"}, {"maxLength", 32}, {"description", "start: unix seconds or UTC time"}}},
      {"to", {{"type", "string"}, {"maxLength", 32}, {"description", "end: unix seconds or UTC time"}}}};
  return {"history", "A series over time",
          "One VM series of the node over a range: an agent keeps its last minutes, a collector an hour at "
          "1 s and a day at 1 min (min, mean, max).",
          tool_schema(std::move(props), {"series"}), false,
          [g](const json& args, std::string& error) -> std::optional<json> {
            std::ostringstream messages;
            int exit_code = kExitOk;
            auto query = parse_history_query(args["series"].get<std::string>(),
                                             {args.value("since", ""), args.value("from", ""), args.value("to", "")},
                                             exit_code, messages);
            auto answer = query ? query_history(call_options(g, args), *query, exit_code, messages) : std::nullopt;
            if (!answer) {
              error = tool_error(messages);
              return std::nullopt;
            }
            return history_json(answer->node, *query->series, query->from_us, query->to_us, answer->answer);
          }};
}

Tool history_log_tool(const GlobalOptions& g) {
  json props = {
      {"log", {{"type", "string"}, {"enum", {"alerts", "tree_changes"}},
               {"description", "alerts raised, escalated, deescalated and cleared, or supervision-tree entries "
                               "added, removed, restarted"}}},
      {"since", {{"type", "string"}, {"maxLength", 32}, {"description", "the last duration: 90s, 5m, 2h, 1d"}}},
      {"from", {{"type", "string"}, {"maxLength", 32}, {"description", "start: unix seconds or UTC time"}}},
      {"to", {{"type", "string"}, {"maxLength", 32}, {"description", "end: unix seconds or UTC time"}}}};
  return {"history_log", "A collector's alert or tree change log",
          "What happened to the node over a range, oldest first (the newest 1024 when more match): every alert "
          "raised, escalated (warning to critical), deescalated and cleared, or every supervision-tree entry added, "
          "removed or restarted. A collector keeps "
          "them for a day; an agent keeps none.",
          tool_schema(std::move(props), {"log"}), false,
          [g](const json& args, std::string& error) -> std::optional<json> {
            std::ostringstream messages;
            int exit_code = kExitOk;
            // The schema's enum admits only these two.
            const auto log = args["log"].get<std::string>() == "alerts" ? v1::HistoryRequest::ALERTS
                                                                        : v1::HistoryRequest::TREE_CHANGES;
            auto query = parse_log_query(log, {args.value("since", ""), args.value("from", ""), args.value("to", "")},
                                         exit_code, messages);
            auto answer = query ? query_history(call_options(g, args), *query, exit_code, messages) : std::nullopt;
            if (!answer) {
              error = tool_error(messages);
              return std::nullopt;
            }
            return history_log_json(answer->node, log, query->from_us, query->to_us, answer->answer);
          }};
}

Tool action_tool(const GlobalOptions& g, v1::ActionRequest::Action action, const std::string& what) {
  const std::string name(protocol::action_name(action));
  return {name, what,
          what + ". Changes the node: offered only with --allow-actions, and done only when the agent's "
                 "allow_actions names " + std::string(protocol::action_setting(action)) + ".",
          tool_schema({{"pid", kPidArg}}, {"pid"}), true,
          [g, action](const json& args, std::string& error) -> std::optional<json> {
            v1::ActionRequest req;
            req.set_pid(args["pid"].get<std::string>());
            req.set_action(action);
            std::ostringstream messages;
            int exit_code = kExitOk;
            auto result = query_action(call_options(g, args), std::move(req), exit_code, messages);
            if (!result) {
              error = tool_error(messages);
              return std::nullopt;
            }
            if (!result->answer.ok()) {
              error = result->node + ": " + result->answer.error();
              return std::nullopt;
            }
            return action_result_json(result->node, result->answer);
          }};
}

}  // namespace

std::vector<Tool> agent_tools(const GlobalOptions& opts) {
  return {ps_tool(opts),
          proc_tool(opts),
          history_tool(opts),
          history_log_tool(opts),
          action_tool(opts, v1::ActionRequest::GC, "Garbage collect a process"),
          action_tool(opts, v1::ActionRequest::KILL, "Kill a process"),
          action_tool(opts, v1::ActionRequest::SUSPEND, "Suspend a process"),
          action_tool(opts, v1::ActionRequest::RESUME, "Resume a process the agent suspended")};
}

}  // namespace beamscope::cli::mcp
