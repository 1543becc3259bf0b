#include "node_select.hpp"

#include "ctl_options.hpp"

namespace beamscope::cli {
namespace {

std::string node_list(const protocol::FleetModel& fleet) {
  std::string out;
  for (const auto& [name, model] : fleet.nodes()) {
    if (!model.has_state()) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

NodeChoice select_node(const protocol::FleetModel& fleet, const std::string& wanted, const std::string& endpoint) {
  NodeChoice c;
  std::size_t with_state = 0;
  for (const auto& [name, model] : fleet.nodes()) with_state += model.has_state() ? 1 : 0;

  if (with_state == 0) {
    c.exit_code = kExitFailure;
    c.error = endpoint + " answered but knows no node yet (an agent sends its first state after one tick)";
    return c;
  }
  if (!wanted.empty()) {
    const auto* model = fleet.find(wanted);
    if (!model || !model->has_state()) {
      c.exit_code = kExitUsage;
      c.error = "no node '" + wanted + "' at " + endpoint + "; nodes: " + node_list(fleet);
      return c;
    }
    c.model = model;
    c.name = wanted;
    return c;
  }
  if (with_state > 1) {
    c.exit_code = kExitUsage;
    c.error = endpoint + " has " + std::to_string(with_state) + " nodes; pick one with --node NAME: " + node_list(fleet);
    return c;
  }
  for (const auto& [name, model] : fleet.nodes()) {
    if (!model.has_state()) continue;
    c.model = &model;
    c.name = name;
  }
  return c;
}

}  // namespace beamscope::cli
