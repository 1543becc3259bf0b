// The `events` document: the node's recent events, oldest first.
#include "render.hpp"

namespace beamscope::cli {

nlohmann::json event_json(const v1::Event& e) {
  return nlohmann::json{
      {"id", e.id()},         {"time_us", e.time_us()}, {"kind", event_kind_name(e.kind())},
      {"supervisor", e.supervisor()}, {"child", e.child()}, {"pid", e.pid()},
      {"reason", e.reason()}, {"detail", e.detail()},
  };
}

nlohmann::json events_json(const std::string& node, std::int64_t timestamp_us, const protocol::Keyframe& kf,
                           std::size_t limit) {
  const std::size_t n = static_cast<std::size_t>(kf.events_size());
  const std::size_t first = limit != 0 && n > limit ? n - limit : 0;  // the newest `limit`
  auto list = nlohmann::json::array();
  for (std::size_t i = first; i < n; ++i) list.push_back(event_json(kf.events(static_cast<int>(i))));
  return nlohmann::json{
      {"node", node},
      {"timestamp_us", timestamp_us},
      {"events_kept", n},
      {"events", std::move(list)},
  };
}

}  // namespace beamscope::cli
