// The bar across the top: which node (a selector when several), its OTP
// release and uptime, the connection state, sweep period and agent cost.
#pragma once

#include <vector>

#include "inspector_model.hpp"
#include "link_status.hpp"

namespace beamscope::gui {

/// `links[i]` is the state of endpoint i of the model.
void draw_node_bar(InspectorModel& model, const std::vector<LinkStatus>& links);

}  // namespace beamscope::gui
