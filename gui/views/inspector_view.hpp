// The whole window: node bar on top, the main tabs, the process detail on
// the right, and the waiting message before any node answered. Later
// regions (supervision tree on the left, alerts strip at the bottom, the
// Events tab) slot into draw() where the comments say.
#pragma once

#include <vector>

#include "inspector_model.hpp"
#include "link_status.hpp"
#include "overview_view.hpp"
#include "processes_view.hpp"

namespace beamscope::gui {

enum class Tab { kOverview, kProcesses };

class InspectorView {
 public:
  /// Brings `tab` to the front on the next frame that shows a node.
  void show_tab(Tab tab) { pending_tab_ = tab; has_pending_tab_ = true; }

  /// Draws one frame of the inspector over the whole display.
  void draw(InspectorModel& model, const std::vector<LinkStatus>& links);

 private:
  void draw_main(InspectorModel& model, NodeView& node);

  OverviewState overview_;
  ProcessesState processes_;
  Tab pending_tab_ = Tab::kOverview;
  bool has_pending_tab_ = false;
};

}  // namespace beamscope::gui
