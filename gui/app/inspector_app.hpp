// The inspector's run loop: stream clients (their own threads) feed the
// model, each frame reads their immutable snapshots and draws; the loop
// sleeps when idle and can end with a screenshot.
#pragma once

#include "options.hpp"

namespace beamscope::gui {

/// Runs until the window closes (or the screenshot is written). Returns the
/// process exit code; errors are printed to stderr.
int run_inspector(const Options& options);

}  // namespace beamscope::gui
