// Runs beamscope-collector until SIGINT or SIGTERM.
#pragma once

#include "beamscope/collector/options.hpp"

namespace beamscope::collector {

/// Starts the fan-in and the fleet /metrics, logs agent links coming and
/// going, and shuts down cleanly on SIGINT/SIGTERM. Returns the exit code
/// (0 on a signal, kExitStartFailed when a port is taken).
int run_collector(const CollectorOptions& opts);

}  // namespace beamscope::collector
