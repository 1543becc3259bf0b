// The `top` document: the hot set ranked by one column.
#include "render.hpp"

namespace beamscope::cli {

nlohmann::json top_json(const std::string& node, protocol::SortKey by, std::size_t limit, std::int64_t timestamp_us,
                        std::size_t hot_processes, const std::vector<protocol::ProcessSample>& processes) {
  auto list = nlohmann::json::array();
  for (const auto& p : processes) list.push_back(process_json(p));
  return nlohmann::json{
      {"node", node},
      {"by", sort_key_name(by)},
      {"limit", limit},
      {"timestamp_us", timestamp_us},
      {"hot_processes", hot_processes},
      {"processes", std::move(list)},
  };
}

}  // namespace beamscope::cli
