// The MCP server line by line: JSON-RPC errors by the spec's codes, the
// initialize handshake, tools listed and called, argument checks, actions
// hidden without --allow-actions. The tools here answer fixed documents;
// tests/cli/test_ctl_mcp_e2e.py drives the real ones against a real node.
#include "mcp/mcp_server.hpp"

#include <gtest/gtest.h>

namespace beamscope::cli::mcp {
namespace {

using nlohmann::json;

std::vector<Tool> tools() {
  Tool echo{"echo", "Echo", "answers its arguments",
            {{"type", "object"},
             {"properties", {{"n", {{"type", "integer"}, {"minimum", 1}, {"maximum", 5}}},
                             {"by", {{"type", "string"}, {"enum", {"a", "b"}}}}}},
             {"required", json::array()},
             {"additionalProperties", false}},
            false,
            [](const json& args, std::string&) -> std::optional<json> { return json{{"got", args}}; }};
  Tool fails{"fails", "Fails", "always fails", {{"type", "object"}}, false,
             [](const json&, std::string& error) -> std::optional<json> {
               error = "no answer from tcp://x:1";
               return std::nullopt;
             }};
  Tool kill{"kill", "Kill", "changes the node", {{"type", "object"}}, true,
            [](const json&, std::string&) -> std::optional<json> { return json::object(); }};
  return {echo, fails, kill};
}

json answer(Server& s, const std::string& line) {
  auto out = s.handle_line(line);
  EXPECT_TRUE(out) << line;
  return out ? json::parse(*out) : json();
}

int code(Server& s, const std::string& line) { return answer(s, line)["error"]["code"].get<int>(); }

TEST(McpServer, SpecErrorCodes) {
  Server s(tools(), "1.0", false);
  EXPECT_EQ(code(s, "{"), kParseError);
  EXPECT_TRUE(answer(s, "{").at("id").is_null());
  EXPECT_EQ(code(s, "[]"), kInvalidRequest);
  EXPECT_EQ(code(s, "42"), kInvalidRequest);
  EXPECT_EQ(code(s, R"({"id":1,"method":"ping"})"), kInvalidRequest);
  EXPECT_EQ(code(s, R"({"jsonrpc":"2.0","id":1,"method":7})"), kInvalidRequest);
  EXPECT_EQ(code(s, R"({"jsonrpc":"2.0","id":[1],"method":"ping"})"), kInvalidRequest);
  EXPECT_EQ(code(s, R"({"jsonrpc":"2.0","id":1,"method":"prompts/list"})"), kMethodNotFound);
  EXPECT_EQ(code(s, R"({"jsonrpc":"2.0","id":1,"method":"ping","params":3})"), kInvalidParams);
  EXPECT_EQ(code(s, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope"}})"), kInvalidParams);
  EXPECT_EQ(code(s, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}})"), kInvalidParams);
  EXPECT_EQ(json::parse(Server::too_long_response())["error"]["code"], kParseError);
  // Nothing to answer: notifications, a client's response, a blank line.
  EXPECT_FALSE(s.handle_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  EXPECT_FALSE(s.handle_line(R"({"jsonrpc":"2.0","method":"no/such/notification","params":1})"));
  EXPECT_FALSE(s.handle_line(R"({"jsonrpc":"2.0","id":4,"result":{}})"));
  EXPECT_FALSE(s.handle_line("  \r"));
  const json pong = answer(s, R"({"jsonrpc":"2.0","id":"p","method":"ping"})");
  EXPECT_EQ(pong["id"], "p");
  EXPECT_EQ(pong["result"], json::object());
}

TEST(McpServer, InitializeEchoesAKnownVersionElseOffersTheNewest) {
  Server s(tools(), "1.0", false);
  auto init = [&](const std::string& v) {
    return answer(s, R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")" + v +
                         R"(","capabilities":{}}})")["result"];
  };
  EXPECT_EQ(init("2024-11-05")["protocolVersion"], "2024-11-05");
  EXPECT_EQ(init("1999-01-01")["protocolVersion"], "2025-06-18");
  EXPECT_EQ(init("2025-06-18")["serverInfo"]["version"], "1.0");
  EXPECT_FALSE(init("2025-06-18")["capabilities"]["tools"]["listChanged"].get<bool>());
}

TEST(McpServer, ToolsListedAndCalledActionsOnlyWhenAllowed) {
  Server s(tools(), "1.0", false);
  const json list = answer(s, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})")["result"]["tools"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "echo");
  EXPECT_TRUE(list[0]["annotations"]["readOnlyHint"].get<bool>());
  EXPECT_EQ(code(s, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"kill"}})"), kInvalidParams);

  const json ok = answer(s, R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"n":3}}})");
  EXPECT_FALSE(ok["result"]["isError"].get<bool>());
  EXPECT_EQ(ok["result"]["structuredContent"]["got"]["n"], 3);
  EXPECT_EQ(json::parse(ok["result"]["content"][0]["text"].get<std::string>()), ok["result"]["structuredContent"]);

  const json failed = answer(s, R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"fails"}})");
  EXPECT_TRUE(failed["result"]["isError"].get<bool>());
  EXPECT_EQ(failed["result"]["content"][0]["text"], "no answer from tcp://x:1");
  EXPECT_FALSE(failed["result"].contains("structuredContent"));

  Server allowed(tools(), "1.0", true);
  EXPECT_EQ(answer(allowed, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})")["result"]["tools"].size(), 3u);
}

TEST(McpServer, ArgumentsCheckedAgainstTheSchema) {
  const json schema = tools()[0].input_schema;
  EXPECT_EQ(check_arguments(schema, json::object()), std::nullopt);
  EXPECT_EQ(check_arguments(schema, {{"n", 5}, {"by", "b"}}), std::nullopt);
  EXPECT_EQ(check_arguments(schema, {{"n", 0}}), "n: must be at least 1");
  EXPECT_EQ(check_arguments(schema, {{"n", 6}}), "n: must be at most 5");
  EXPECT_EQ(check_arguments(schema, {{"n", "3"}}), "n: must be an integer, not string");
  EXPECT_EQ(check_arguments(schema, {{"n", 2.5}}), "n: must be an integer, not number");
  EXPECT_EQ(check_arguments(schema, {{"by", "c"}}), "by: must be one of [\"a\",\"b\"]");
  EXPECT_EQ(check_arguments(schema, {{"x", 1}}), "x: unknown argument (known: by, n)");
  EXPECT_EQ(check_arguments(schema, json::array()), "arguments must be an object");
  json flag = schema;
  flag["properties"]["asc"] = {{"type", "boolean"}};
  EXPECT_EQ(check_arguments(flag, {{"asc", true}}), std::nullopt);
  EXPECT_EQ(check_arguments(flag, {{"asc", 1}}), "asc: must be a boolean, not integer");
  EXPECT_EQ(check_arguments(flag, {{"asc", "true"}}), "asc: must be a boolean, not string");
  json required = schema;
  required["required"] = {"n"};
  EXPECT_EQ(check_arguments(required, json::object()), "n: required");
  // A bad value is a tool error the caller reads, not a protocol error.
  Server s(tools(), "1.0", false);
  const json bad =
      answer(s, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"n":9}}})");
  EXPECT_TRUE(bad["result"]["isError"].get<bool>());
  EXPECT_EQ(bad["result"]["content"][0]["text"], "echo: n: must be at most 5");
}

}  // namespace
}  // namespace beamscope::cli::mcp
