// What the last frame drew, for the state dump (--dump-state): tests and
// the frame-time benchmark check what a person would see (a name elided or
// whole, a column's width, the mailbox line of the detail) without reading
// pixels. Views fill it only when `enabled` (screenshot runs). No ImGui.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace beamscope::gui {

struct DrawReport {
  struct TreeRowDrawn {
    std::string id, name;
    float name_px = 0, name_room_px = 0;  ///< the name's own width, and the width it was given
    bool elided = false;
    int badges_full = 0, badges_short = 0, badges_dropped = 0;
  };
  bool enabled = false;
  std::vector<TreeRowDrawn> tree_rows;
  std::vector<std::pair<std::string, float>> process_columns;  ///< title, width in px, in display order
  int process_rows_drawn = 0;
  std::vector<std::string> processes_pids;  ///< rows drawn, in display order (at most kPidsKept)
  std::string processes_list;    ///< "hot" or "every": what the Processes tab listed
  std::string processes_status;  ///< its header line in the "every" list
  static constexpr std::size_t kPidsKept = 10;
  std::vector<std::string> detail_lines;  ///< "label: value" of the detail's mailbox section
  bool detail_open = true;
  std::string key_region;            ///< "tree" or "main": where arrows go
  std::string main_tab;              ///< "overview", "processes", "events"
  std::string tree_search, processes_filter, events_filter;
  int events_highlighted = 0;        ///< rows drawn marked as about the selection
  std::vector<std::string> alerts;   ///< chips drawn in the alerts strip, in order

  void begin_frame() {
    tree_rows.clear();
    process_columns.clear();
    process_rows_drawn = 0;
    processes_pids.clear();
    processes_list.clear();
    processes_status.clear();
    detail_lines.clear();
    events_highlighted = 0;
    alerts.clear();
  }
};

}  // namespace beamscope::gui
