// The whole window: node bar on top, the supervision tree on the left, the
// main tabs, the detail panel on the right (it can be hidden), and the
// waiting message before any node answered. Routes the keyboard: arrows to
// the region that has it (F6 or a click moves it), Enter opens the detail,
// `/` focuses that region's search box, Esc clears the selection, then the
// search. The alerts strip (later issue) slots into draw() where the
// comment says.
#pragma once

#include <vector>

#include "draw_report.hpp"
#include "events_view.hpp"
#include "inspector_model.hpp"
#include "keys.hpp"
#include "link_status.hpp"
#include "overview_view.hpp"
#include "processes_view.hpp"
#include "settings.hpp"
#include "tree_view.hpp"

namespace beamscope::gui {

enum class Tab { kOverview, kProcesses, kEvents };

class InspectorView {
 public:
  /// Brings `tab` to the front on the next frame that shows a node.
  /// The arrows then go to its table (the tree for the Overview).
  void show_tab(Tab tab) {
    pending_tab_ = tab;
    has_pending_tab_ = true;
    region_ = tab == Tab::kOverview ? KeyRegion::kTree : KeyRegion::kMain;
  }

  /// Draws one frame of the inspector over the whole display. `settings`
  /// may change (the theme button); the caller applies and saves it.
  void draw(InspectorModel& model, const std::vector<LinkStatus>& links, Settings& settings);

  /// Whether the detail panel is shown (its process's detail is then asked of the agent).
  bool detail_open() const { return detail_open_; }

  /// Filled while drawing when report().enabled (screenshot runs).
  DrawReport& report() { return report_; }

 private:
  void draw_main(InspectorModel& model, NodeView& node, const Keys* keys, Settings& settings);
  void route_keys(InspectorModel& model, NodeView& node, const Keys& keys);
  void note_click(KeyRegion region);

  OverviewState overview_;
  ProcessesState processes_;
  TreeViewState tree_;
  EventsViewState events_;
  Tab pending_tab_ = Tab::kOverview;
  bool has_pending_tab_ = false;
  Tab shown_tab_ = Tab::kOverview;
  KeyRegion region_ = KeyRegion::kTree;
  bool detail_open_ = true;
  DrawReport report_;
};

}  // namespace beamscope::gui
