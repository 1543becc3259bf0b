// The alert vocabulary: names of kinds and severities, what a subject is.
#include <array>

#include "beamscope/protocol/alerts.hpp"

namespace beamscope::protocol {

namespace {

constexpr std::array<std::pair<Alert::Kind, std::string_view>, 12> kKindNames{{
    {Alert::MAILBOX_GROWING, "mailbox_growing"},
    {Alert::MAILBOX_LONG, "mailbox_long"},
    {Alert::RESTART_STORM, "restart_storm"},
    {Alert::SUPERVISOR_INTENSITY, "supervisor_intensity"},
    {Alert::LONG_GC, "long_gc"},
    {Alert::LARGE_HEAP, "large_heap"},
    {Alert::BUSY_PORT, "busy_port"},
    {Alert::PROCESS_LIMIT, "process_limit"},
    {Alert::PORT_LIMIT, "port_limit"},
    {Alert::ATOM_LIMIT, "atom_limit"},
    {Alert::ETS_LIMIT, "ets_limit"},
    {Alert::MEMORY_GROWTH, "memory_growth"},
}};

}  // namespace

std::string_view alert_kind_name(Alert::Kind kind) {
  for (const auto& [k, name] : kKindNames)
    if (k == kind) return name;
  return "unknown";
}

bool parse_alert_kind(std::string_view name, Alert::Kind& out) {
  for (const auto& [k, n] : kKindNames)
    if (n == name) {
      out = k;
      return true;
    }
  return false;
}

std::string_view alert_severity_name(Alert::Severity severity) {
  return severity == Alert::CRITICAL ? "critical" : "warning";
}

AlertSubject alert_subject(Alert::Kind kind) {
  switch (kind) {
    case Alert::MAILBOX_GROWING:
    case Alert::MAILBOX_LONG:
    case Alert::LONG_GC:
    case Alert::LARGE_HEAP: return AlertSubject::kProcess;
    case Alert::BUSY_PORT: return AlertSubject::kPort;
    case Alert::RESTART_STORM:
    case Alert::SUPERVISOR_INTENSITY: return AlertSubject::kTreeEntry;
    default: return AlertSubject::kNode;
  }
}

}  // namespace beamscope::protocol
