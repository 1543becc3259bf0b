// Dialled-in agents followed by the FanIn (see dial_in.hpp).
#include "beamscope/collector/dial_in.hpp"

#include <spdlog/spdlog.h>

namespace beamscope::collector {

std::unique_ptr<transport::DialInListener> follow_dialled_agents(FanIn& fan, transport::DialInOptions opts,
                                                                 std::string& error) {
  // Both run on the listener's thread: adding a link starts its thread,
  // removing one joins it (it wakes at once), so neither blocks for long.
  opts.on_agent = [&fan](const std::string& name, const std::string& inproc, zmq::context_t& ctx) {
    std::string err;
    if (!fan.add_dialled_agent(name, inproc, ctx, err)) {
      spdlog::warn("agent dialled in ({}) not followed: {}", name, err);
      return;
    }
    spdlog::info("agent dialled in from {}: following it as \"{}\"", name.substr(name.find(' ') + 1), name);
  };
  opts.on_agent_gone = [&fan](const std::string& name, const std::string& reason) {
    spdlog::info("agent {} let go: {}", name, reason);
    fan.remove_agent(name, "its agent (" + name + ") was let go: " + reason);
  };
  return transport::DialInListener::start(opts, error);
}

}  // namespace beamscope::collector
