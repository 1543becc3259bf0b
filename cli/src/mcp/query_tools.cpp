// The query tools (see query_tools.hpp). Schemas say what the commands'
// flags accept; Server checks arguments against them before a tool runs.
#include "mcp/query_tools.hpp"

#include <sstream>

#include "mcp/tool_support.hpp"
#include "render/render.hpp"
#include "snapshot_source.hpp"

namespace beamscope::cli::mcp {

namespace {

using nlohmann::json;

// The snapshot of the node the arguments name (or --node).
std::optional<NodeState> fetch(const GlobalOptions& global, const json& args, std::string& error) {
  std::ostringstream messages;
  int exit_code = kExitOk;
  auto state = fetch_node(call_options(global, args), exit_code, messages);
  if (!state) error = tool_error(messages);
  return state;
}

Tool overview_tool(const GlobalOptions& g) {
  return {"overview", "Node overview",
          "Identity, VM gauges (processes, ports, atoms, ETS and their limits, run queues, memory, reductions, "
          "GC, IO, scheduler utilization), the mailbox histogram of every process, the sweep's pace and the "
          "agent's own stats.",
          tool_schema(json::object()), false, [g](const json& args, std::string& error) -> std::optional<json> {
            auto state = fetch(g, args, error);
            if (!state) return std::nullopt;
            return overview_json(*state->model->snapshot(), state->model->updated_us());
          }};
}

Tool top_tool(const GlobalOptions& g) {
  json props = {{"by", {{"type", "string"}, {"enum", {"mailbox", "memory", "reductions", "gc"}},
                        {"default", "mailbox"}, {"description", "the ranking"}}},
                {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100000}, {"default", 10},
                           {"description", "at most this many processes"}}}};
  return {"top", "Top processes",
          "Processes of the hot set ranked by mailbox length, memory, reduction rate or GC, with their "
          "registered name, current function and heap details.",
          tool_schema(std::move(props)), false, [g](const json& args, std::string& error) -> std::optional<json> {
            protocol::SortKey key{};
            protocol::parse_sort_key(args.value("by", "mailbox"), key);  // checked by the schema
            const auto limit = args.value("limit", std::size_t{10});
            auto state = fetch(g, args, error);
            if (!state) return std::nullopt;
            return top_json(state->name, key, limit, state->model->updated_us(), state->model->hot_count(),
                            state->model->top(key, limit));
          }};
}

Tool tree_tool(const GlobalOptions& g) {
  return {"tree", "Supervision trees",
          "Every application's supervision tree: supervisors and children, restart counts and history with "
          "reasons, intensity headroom; huge supervisors are summarised (page them with `children`).",
          tool_schema(json::object()), false, [g](const json& args, std::string& error) -> std::optional<json> {
            auto state = fetch(g, args, error);
            if (!state) return std::nullopt;
            return tree_json(state->name, state->model->updated_us(), *state->model->snapshot());
          }};
}

Tool events_tool(const GlobalOptions& g) {
  json props = {{"limit", {{"type", "integer"}, {"minimum", 0}, {"maximum", 100000}, {"default", 0},
                           {"description", "only the newest N events (0: every event kept)"}}}};
  return {"events", "Recent events",
          "Recent restarts, crashes, supervisor escalations and system_monitor events (long_gc, large_heap, "
          "busy_port...), oldest first.",
          tool_schema(std::move(props)), false, [g](const json& args, std::string& error) -> std::optional<json> {
            const auto limit = args.value("limit", std::size_t{0});
            auto state = fetch(g, args, error);
            if (!state) return std::nullopt;
            return events_json(state->name, state->model->updated_us(), *state->model->snapshot(), limit);
          }};
}

Tool children_tool(const GlobalOptions& g) {
  json props = {{"supervisor_id", {{"type", "string"}, {"maxLength", 1024},
                                   {"description", "the supervisor's id, as `tree` gives it"}}},
                {"offset", {{"type", "integer"}, {"minimum", 0}, {"maximum", 4294967295LL}, {"default", 0}}},
                {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 100}}},
                {"by", {{"type", "string"}, {"enum", {"supervisor", "mailbox", "memory", "reductions"}},
                        {"default", "mailbox"}}}};
  return {"children", "Supervisor's children",
          "One page of a supervisor's children in an order, asked of the agent: for supervisors too big to "
          "list in `tree`.",
          tool_schema(std::move(props), {"supervisor_id"}), false,
          [g](const json& args, std::string& error) -> std::optional<json> {
            v1::ChildrenRequest::Order order{};
            parse_children_order(args.value("by", "mailbox"), order);  // checked by the schema
            auto state = fetch(g, args, error);
            if (!state) return std::nullopt;
            auto page = fetch_children_page(g, *state, args["supervisor_id"].get<std::string>(),
                                            args.value("offset", std::uint32_t{0}),
                                            args.value("limit", std::uint32_t{100}), order, error);
            if (!page) return std::nullopt;
            return children_json(state->name, *page);
          }};
}

Tool alerts_tool(const GlobalOptions& g) {
  return {"alerts", "Alerts raised now",
          "What the agent's alert rules raise on the node now, most severe first: growing mailboxes with the "
          "time to their threshold, restart storms, supervisors at their intensity, counts near their limits, "
          "long GC and memory growth.",
          tool_schema(json::object()), false, [g](const json& args, std::string& error) -> std::optional<json> {
            auto state = fetch(g, args, error);
            if (!state) return std::nullopt;
            return alerts_json(state->name, state->model->updated_us(), *state->model->snapshot());
          }};
}

}  // namespace

json tool_schema(json properties, json required) {
  properties["node"] = {{"type", "string"},
                        {"maxLength", 255},
                        {"description", "node name (name@host); needed when the endpoint is a collector with "
                                        "several nodes"}};
  return {{"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(required)},
          {"additionalProperties", false}};
}

GlobalOptions call_options(const GlobalOptions& global, const json& args) {
  GlobalOptions opts = global;
  if (args.contains("node")) opts.node = args["node"].get<std::string>();
  return opts;
}

std::string tool_error(const std::ostringstream& messages) {
  std::string error = messages.str();
  while (!error.empty() && error.back() == '\n') error.pop_back();
  const std::string prefix = "beamscope-ctl: ";
  if (error.rfind(prefix, 0) == 0) error.erase(0, prefix.size());
  return error;
}

std::vector<Tool> query_tools(const GlobalOptions& opts) {
  std::vector<Tool> tools{overview_tool(opts), top_tool(opts), tree_tool(opts), events_tool(opts),
                          children_tool(opts), alerts_tool(opts)};
  for (auto& t : agent_tools(opts)) tools.push_back(std::move(t));
  return tools;
}

}  // namespace beamscope::cli::mcp
