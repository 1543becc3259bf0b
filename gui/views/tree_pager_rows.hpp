// The two pager lines above the children of a huge dynamic supervisor:
// what is shown ("children 101–200 of 100,000") with the fetch status, and
// first/prev/next/last with the order. Clicks only move the pager (model);
// the frame loop sends the requests.
#pragma once

#include "inspector_model.hpp"

namespace beamscope::gui {

/// Draws row `r` (kind kPager or kPagerNav) on one text line.
void draw_pager_row(NodeView& node, const TreeRow& r);

}  // namespace beamscope::gui
