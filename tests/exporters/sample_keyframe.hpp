// Keyframes with known values for the exporter tests and the promtool check.
#pragma once

#include <cstddef>
#include <string>

#include "beamscope.pb.h"

namespace beamscope::testing {

/// A fully populated keyframe of node `node` with `hot` hot-set processes
/// whose mailbox, memory and reduction rate all differ (process i has
/// mailbox i*10, memory 1000+i, reductions_per_s 5*i; pid "<0.i.0>").
v1::Keyframe sample_keyframe(const std::string& node, std::size_t hot = 5);

/// A process with an awkward registered name (quotes, backslash, newline, unicode).
v1::ProcessSample awkward_process();

}  // namespace beamscope::testing
