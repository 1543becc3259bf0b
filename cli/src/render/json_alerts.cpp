// The `alerts` document and its text form: the alerts the agent's rules
// raised (protocol/alerts.hpp), as they came on the stream.
#include <fmt/format.h>

#include "beamscope/protocol/alerts.hpp"
#include "render.hpp"

namespace beamscope::cli {

namespace {

const char* subject_type(v1::Alert::Kind kind) {
  switch (protocol::alert_subject(kind)) {
    case protocol::AlertSubject::kProcess: return "process";
    case protocol::AlertSubject::kPort: return "port";
    case protocol::AlertSubject::kTreeEntry: return "tree_entry";
    case protocol::AlertSubject::kNode: return "node";
  }
  return "node";
}

}  // namespace

nlohmann::json alert_json(const v1::Alert& a) {
  return nlohmann::json{
      {"kind", std::string(protocol::alert_kind_name(a.kind()))},
      {"severity", std::string(protocol::alert_severity_name(a.severity()))},
      {"subject", a.subject()},
      {"subject_type", subject_type(a.kind())},
      {"pid", a.pid()},
      {"name", a.name()},
      {"value", a.value()},
      {"limit", a.limit()},
      {"rate_per_s", a.rate_per_s()},
      {"seconds_to_limit", a.seconds_to_limit()},
      {"since_us", a.since_us()},
      {"summary", a.summary()},
  };
}

nlohmann::json alerts_json(const std::string& node, std::int64_t timestamp_us, const protocol::Keyframe& kf) {
  auto list = nlohmann::json::array();
  for (const auto& a : kf.alerts().active()) list.push_back(alert_json(a));
  return nlohmann::json{
      {"node", node},
      {"timestamp_us", timestamp_us},
      {"omitted", kf.alerts().omitted()},
      {"alerts", std::move(list)},
  };
}

void print_alerts_text(std::ostream& out, const std::string& node, const protocol::Keyframe& kf) {
  const auto& alerts = kf.alerts();
  out << fmt::format("{}: {} alert{}", node, alerts.active_size(), alerts.active_size() == 1 ? "" : "s");
  if (alerts.omitted() > 0) out << fmt::format(" (and {} more not sent)", alerts.omitted());
  out << "\n";
  for (const auto& a : alerts.active())
    out << fmt::format("{:<8} {:<20} {}\n", protocol::alert_severity_name(a.severity()),
                       protocol::alert_kind_name(a.kind()), a.summary());
}

}  // namespace beamscope::cli
