// Agents that dial in to the collector (--agents-listen): each one a
// DialInListener lets in is followed by the FanIn like any other agent,
// under the listener's name for it ("dial-in 10.0.0.5"); one let go
// (silent, its connection closed) is no longer followed and its nodes are
// gone for viewers.
#pragma once

#include <memory>
#include <string>

#include "beamscope/collector/fan_in.hpp"
#include "beamscope/transport/dial_in_listener.hpp"

namespace beamscope::collector {

/// Starts the listener with its agent callbacks wired to `fan` (their
/// on_agent and on_agent_gone are replaced). nullptr and `error` set when
/// it cannot start. Shutdown order:
///   listener->stop();  // no agent comes or goes after it
///   fan->stop();       // closes the links on the listener's context
///   listener.reset();  // closes that context
std::unique_ptr<transport::DialInListener> follow_dialled_agents(FanIn& fan, transport::DialInOptions opts,
                                                                 std::string& error);

}  // namespace beamscope::collector
