// The agents file: parsing, merging with --agent, and reload diffs (see agents_file.hpp).
#include "beamscope/collector/agents_file.hpp"

#include <fstream>
#include <map>

#include "beamscope/collector/options.hpp"
#include "beamscope/transport/endpoint.hpp"

namespace beamscope::collector {

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

}  // namespace

std::optional<std::string> parse_agents_text(std::string_view text, std::vector<AgentSpec>& out) {
  out.clear();
  std::map<std::string, std::size_t> seen;  // endpoint -> line
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    const std::string where = "line " + std::to_string(line_no) + ": ";
    AgentSpec spec;
    if (auto err = parse_agent_spec(std::string(line), spec.endpoint, spec.server_key)) return where + *err;
    if (auto err = transport::check_endpoint(spec.endpoint, /*for_bind=*/false)) return where + *err;
    if (auto [it, fresh] = seen.try_emplace(spec.endpoint, line_no); !fresh)
      return where + spec.endpoint + " is listed on line " + std::to_string(it->second) + " already";
    if (out.size() == kMaxAgents) return where + "more than " + std::to_string(kMaxAgents) + " agents";
    out.push_back(std::move(spec));
  }
  return std::nullopt;
}

std::optional<std::string> read_agents_file(const std::string& path, std::vector<AgentSpec>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot read it";
  std::string text(kMaxAgentsFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return path + ": cannot read it";
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxAgentsFileBytes)
    return path + ": larger than " + std::to_string(kMaxAgentsFileBytes) + " bytes";
  if (auto err = parse_agents_text(text, out)) return path + ": " + *err;
  return std::nullopt;
}

std::optional<std::string> merge_agents(const std::vector<AgentSpec>& fixed, const std::vector<AgentSpec>& listed,
                                        std::vector<AgentSpec>& out) {
  out.clear();
  std::map<std::string, std::string> keys;  // endpoint -> server key
  for (const auto* list : {&fixed, &listed}) {
    for (const auto& spec : *list) {
      auto [it, fresh] = keys.try_emplace(spec.endpoint, spec.server_key);
      if (!fresh) {
        if (it->second != spec.server_key)
          return spec.endpoint + " is given twice with different server keys ('" + it->second + "', '" +
                 spec.server_key + "')";
        continue;
      }
      if (out.size() == kMaxAgents) return "more than " + std::to_string(kMaxAgents) + " agents";
      out.push_back(spec);
    }
  }
  return std::nullopt;
}

AgentChanges diff_agents(const std::vector<AgentSpec>& current, const std::vector<AgentSpec>& desired) {
  std::map<std::string, const AgentSpec*> want;
  for (const auto& d : desired) want[d.endpoint] = &d;
  std::map<std::string, const AgentSpec*> have;
  for (const auto& c : current) have[c.endpoint] = &c;
  AgentChanges changes;
  for (const auto& c : current) {
    auto it = want.find(c.endpoint);
    if (it == want.end() || it->second->server_key != c.server_key) changes.remove.push_back(c.endpoint);
  }
  for (const auto& d : desired) {
    auto it = have.find(d.endpoint);
    if (it == have.end() || it->second->server_key != d.server_key) changes.add.push_back(d);
  }
  return changes;
}

}  // namespace beamscope::collector
