// MCP over JSON-RPC 2.0 (see mcp_server.hpp).
#include "mcp/mcp_server.hpp"

#include <algorithm>
#include <array>

#include "render/render.hpp"

namespace beamscope::cli::mcp {

namespace {

using nlohmann::json;

// MCP revisions this server speaks; the newest is offered when the client
// asks for one it does not know.
constexpr std::array<const char*, 3> kProtocolVersions = {"2025-06-18", "2025-03-26", "2024-11-05"};

struct RpcFailure {
  int code;
  std::string message;
};

json error_response(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

bool valid_id(const json& id) { return id.is_string() || id.is_number_integer() || id.is_number_unsigned(); }

std::string type_name(const json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  return v.type_name();
}

}  // namespace

std::optional<std::string> check_arguments(const json& schema, const json& arguments) {
  if (!arguments.is_object()) return "arguments must be an object";
  const json& props = schema.value("properties", json::object());
  for (const auto& name : schema.value("required", json::array())) {
    if (!arguments.contains(name.get<std::string>())) return name.get<std::string>() + ": required";
  }
  for (const auto& [key, value] : arguments.items()) {
    if (!props.contains(key)) return key + ": unknown argument (known: " + [&] {
      std::string known;
      for (const auto& [k, _] : props.items()) known += (known.empty() ? "" : ", ") + k;
      return known.empty() ? std::string("none") : known;
    }() + ")";
    const json& p = props.at(key);
    const std::string type = p.value("type", "");
    if (type == "string" && !value.is_string()) return key + ": must be a string, not " + type_name(value);
    if (type == "boolean" && !value.is_boolean()) return key + ": must be a boolean, not " + type_name(value);
    if (type == "integer") {
      if (!value.is_number_integer() && !value.is_number_unsigned())
        return key + ": must be an integer, not " + type_name(value);
      const auto n = value.get<std::int64_t>();
      if (p.contains("minimum") && n < p["minimum"].get<std::int64_t>())
        return key + ": must be at least " + p["minimum"].dump();
      if (p.contains("maximum") && n > p["maximum"].get<std::int64_t>())
        return key + ": must be at most " + p["maximum"].dump();
    }
    if (p.contains("enum") && std::find(p["enum"].begin(), p["enum"].end(), value) == p["enum"].end())
      return key + ": must be one of " + p["enum"].dump();
    if (p.contains("maxLength") && value.is_string() && value.get<std::string>().size() > p["maxLength"].get<std::size_t>())
      return key + ": longer than " + p["maxLength"].dump() + " bytes";
  }
  return std::nullopt;
}

Server::Server(std::vector<Tool> tools, std::string version, bool allow_actions)
    : tools_(std::move(tools)), version_(std::move(version)), allow_actions_(allow_actions) {}

std::string Server::too_long_response() {
  return error_response(nullptr, kParseError, "request line longer than " + std::to_string(kMaxLineBytes) + " bytes")
      .dump();
}

std::optional<std::string> Server::handle_line(std::string_view line) {
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return std::nullopt;  // blank line
  json msg = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (msg.is_discarded()) return error_response(nullptr, kParseError, "not JSON").dump();
  if (msg.is_array())
    return error_response(nullptr, kInvalidRequest, "batches are not supported: one request a line").dump();
  if (!msg.is_object()) return error_response(nullptr, kInvalidRequest, "a request is a JSON object").dump();
  const json id = msg.contains("id") ? msg["id"] : json(nullptr);
  const bool has_id = msg.contains("id");
  // A client's response to us (we send no requests): nothing to answer.
  if (!msg.contains("method") && (msg.contains("result") || msg.contains("error"))) return std::nullopt;
  if (msg.value("jsonrpc", json()) != "2.0")
    return error_response(valid_id(id) ? id : json(nullptr), kInvalidRequest, "jsonrpc must be \"2.0\"").dump();
  if (!msg.contains("method") || !msg["method"].is_string())
    return error_response(valid_id(id) ? id : json(nullptr), kInvalidRequest, "method must be a string").dump();
  if (has_id && !valid_id(id))
    return error_response(nullptr, kInvalidRequest, "id must be a string or an integer").dump();
  const std::string method = msg["method"].get<std::string>();
  const json params = msg.contains("params") ? msg["params"] : json::object();
  if (!has_id) return std::nullopt;  // notifications (initialized, cancelled, ...) need no answer
  if (!params.is_object())
    return error_response(id, kInvalidParams, "params must be an object").dump();
  try {
    bool is_error = false;
    json result = dispatch(method, params, is_error);
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
  } catch (const RpcFailure& f) {
    return error_response(id, f.code, f.message).dump(-1, ' ', false, json::error_handler_t::replace);
  } catch (const std::exception& e) {
    return error_response(id, kInternalError, e.what()).dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

json Server::dispatch(const std::string& method, const json& params, bool& is_error) {
  if (method == "initialize") return initialize(params);
  if (method == "ping") return json::object();
  if (method == "tools/list") return list_tools();
  if (method == "tools/call") return call_tool(params, is_error);
  throw RpcFailure{kMethodNotFound, "method not found: " + method.substr(0, 100)};
}

json Server::initialize(const json& params) {
  if (!params.contains("protocolVersion") || !params["protocolVersion"].is_string())
    throw RpcFailure{kInvalidParams, "initialize: protocolVersion must be a string"};
  const std::string asked = params["protocolVersion"].get<std::string>();
  std::string version = kProtocolVersions.front();
  for (const char* v : kProtocolVersions)
    if (asked == v) version = v;
  return {{"protocolVersion", version},
          {"capabilities", {{"tools", {{"listChanged", false}}}}},
          {"serverInfo", {{"name", "beamscope-ctl"}, {"title", "beamscope"}, {"version", version_}}},
          {"instructions",
           "Read-only views of one BEAM (Erlang/Elixir) node watched by a beamscope agent or collector. "
           "Each tool answers with the same JSON document as `beamscope-ctl <tool> --json` "
           "(fields: cli/README-json.md). Behind a collector, pass `node` (overview's error lists the names)."}};
}

json Server::list_tools() const {
  json tools = json::array();
  for (const auto& t : tools_) {
    if (t.action && !allow_actions_) continue;
    tools.push_back({{"name", t.name},
                     {"title", t.title},
                     {"description", t.description},
                     {"inputSchema", t.input_schema},
                     {"annotations", {{"readOnlyHint", !t.action}, {"destructiveHint", t.action},
                                      {"openWorldHint", false}}}});
  }
  return {{"tools", std::move(tools)}};
}

const Tool* Server::find(const std::string& name) const {
  for (const auto& t : tools_)
    if (t.name == name && (!t.action || allow_actions_)) return &t;
  return nullptr;
}

json Server::call_tool(const json& params, bool& is_error) {
  if (!params.contains("name") || !params["name"].is_string())
    throw RpcFailure{kInvalidParams, "tools/call: name must be a string"};
  const std::string name = params["name"].get<std::string>();
  const Tool* tool = find(name);
  if (!tool) throw RpcFailure{kInvalidParams, "unknown tool: " + name.substr(0, 100)};
  const json arguments = params.contains("arguments") ? params["arguments"] : json::object();
  if (!arguments.is_object()) throw RpcFailure{kInvalidParams, "tools/call: arguments must be an object"};
  // Bad argument values are the caller's to fix: told as a tool error, so a
  // model reads why and tries again.
  std::string error;
  std::optional<json> doc;
  if (auto bad = check_arguments(tool->input_schema, arguments))
    error = name + ": " + *bad;
  else
    doc = tool->run(arguments, error);
  if (!doc) {
    is_error = true;
    return {{"content", json::array({{{"type", "text"}, {"text", error}}})}, {"isError", true}};
  }
  json result = {{"content", json::array({{{"type", "text"}, {"text", dump_json(*doc)}}})}, {"isError", false}};
  result["structuredContent"] = std::move(*doc);
  return result;
}

}  // namespace beamscope::cli::mcp
