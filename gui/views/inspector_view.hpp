// The whole window: node bar on top, the main tabs, the process detail on
// the right, the supervision tree on the left, and the waiting message
// before any node answered. The alerts strip (later issue) slots into
// draw() where the comment says.
#pragma once

#include <vector>

#include "events_view.hpp"
#include "inspector_model.hpp"
#include "link_status.hpp"
#include "overview_view.hpp"
#include "processes_view.hpp"
#include "tree_view.hpp"

namespace beamscope::gui {

enum class Tab { kOverview, kProcesses, kEvents };

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
  TreeViewState tree_;
  EventsViewState events_;
  Tab pending_tab_ = Tab::kOverview;
  bool has_pending_tab_ = false;
};

}  // namespace beamscope::gui
