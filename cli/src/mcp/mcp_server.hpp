// The Model Context Protocol server of `beamscope-ctl mcp`: JSON-RPC 2.0
// messages, one a line (MCP's stdio transport), answered one line each.
// It knows initialize, ping, tools/list and tools/call; the tools come from
// outside (query_tools.hpp), so this file holds no I/O and no sockets and
// is unit-tested line by line.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace beamscope::cli::mcp {

/// JSON-RPC 2.0 error codes (the spec's).
enum RpcError : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
};

/// Longest request line read; a longer one is answered with a parse error.
inline constexpr std::size_t kMaxLineBytes = 1 << 20;

struct Tool {
  std::string name;
  std::string title;
  std::string description;
  /// JSON Schema of `arguments` (the subset check_arguments() enforces:
  /// object, properties of type string/integer/boolean with enum/minimum/maximum/maxLength,
  /// required, additionalProperties false).
  nlohmann::json input_schema;
  /// Changes the node (kill, gc): listed and callable only with --allow-actions.
  bool action = false;
  /// The document (the same as the command's --json), or nullopt and
  /// `error`: a failure the caller reads (isError), not a protocol error.
  std::function<std::optional<nlohmann::json>(const nlohmann::json& arguments, std::string& error)> run;
};

/// Checks `arguments` against a schema of the subset above; the first
/// problem ("limit: must be at least 1"), or nullopt.
std::optional<std::string> check_arguments(const nlohmann::json& schema, const nlohmann::json& arguments);

class Server {
 public:
  Server(std::vector<Tool> tools, std::string version, bool allow_actions);

  /// Handles one line; the response line (no newline), or nullopt when
  /// there is nothing to answer (a notification, a client's response).
  std::optional<std::string> handle_line(std::string_view line);

  /// The answer to a line longer than kMaxLineBytes (read no further).
  static std::string too_long_response();

 private:
  nlohmann::json dispatch(const std::string& method, const nlohmann::json& params, bool& is_error);
  nlohmann::json initialize(const nlohmann::json& params);
  nlohmann::json list_tools() const;
  nlohmann::json call_tool(const nlohmann::json& params, bool& is_error);
  const Tool* find(const std::string& name) const;

  std::vector<Tool> tools_;
  std::string version_;
  bool allow_actions_;
};

}  // namespace beamscope::cli::mcp
