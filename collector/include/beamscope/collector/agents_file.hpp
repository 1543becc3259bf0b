// The agents file of beamscope-collector (--agents-file): one agent a line,
// `ENDPOINT` or `ENDPOINT,server-key=FILE` as --agent takes them, `#`
// comments and blank lines ignored. Read at start and again on SIGHUP; a
// file that fails to read or parse changes nothing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beamscope::collector {

/// Agents one collector follows, over --agent and the agents file together.
inline constexpr std::size_t kMaxAgents = 4096;
/// Largest agents file read (4096 lines of long endpoints and key paths).
inline constexpr std::size_t kMaxAgentsFileBytes = 1 << 20;

struct AgentSpec {
  std::string endpoint;
  std::string server_key;  ///< the agent's .pub for CURVE, "" for plaintext
  bool operator==(const AgentSpec&) const = default;
};

/// Parses the text of an agents file into `out` (replaced). The error names
/// the line: "line 3: tcp://x: expected tcp://HOST:PORT ...".
std::optional<std::string> parse_agents_text(std::string_view text, std::vector<AgentSpec>& out);

/// Reads and parses PATH; the error names the file.
std::optional<std::string> read_agents_file(const std::string& path, std::vector<AgentSpec>& out);

/// `fixed` (from --agent) and `listed` (the file) as one list: an agent in
/// both is followed once; one endpoint with two different keys, or more
/// than kMaxAgents, is an error.
std::optional<std::string> merge_agents(const std::vector<AgentSpec>& fixed, const std::vector<AgentSpec>& listed,
                                        std::vector<AgentSpec>& out);

struct AgentChanges {
  std::vector<std::string> remove;  ///< endpoints to stop following (a changed key: removed, then added)
  std::vector<AgentSpec> add;
};

/// What turns `current` into `desired`, both lists of distinct endpoints.
AgentChanges diff_agents(const std::vector<AgentSpec>& current, const std::vector<AgentSpec>& desired);

}  // namespace beamscope::collector
