// The supervision tree as data for the tree view: the visible part of the
// indexed forest (tree_index) linearized into rows (only expanded subtrees
// are walked, and children of huge dynamic supervisors come in pages), so
// the per-frame cost is the rows on screen, never the size of the tree. A
// page of children fetched from the agent replaces the streamed summary
// under its supervisor and is indexed like any entry. Owns what the person
// chose (expansion, pages shown, selection) by tree id so it survives new
// keyframes; the search (tree_filter) and restart flashes
// (restart_flashes) are its parts. No ImGui.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "beamscope.pb.h"
#include "clock.hpp"
#include "restart_flashes.hpp"
#include "tree_facts.hpp"
#include "tree_filter.hpp"
#include "tree_index.hpp"

namespace beamscope::gui {

/// One line of the tree view.
struct TreeRow {
  /// kPager and kPagerNav: the two lines above the children of a supervisor
  /// that has more children than the stream carries (what is shown; the
  /// buttons and the order); kPagerProblem: a third line while its page
  /// cannot be had (too long to share the first in a narrow column).
  enum class Kind { kNode, kMore, kPager, kPagerNav, kPagerProblem };
  Kind kind = Kind::kNode;
  /// kNode: the entry. Otherwise: the supervisor whose children these rows are about.
  int node = -1;
  int depth = 0;
  bool has_children = false;
  bool expanded = false;
  bool match = false;  ///< matches the search text (false without a search)
  // kMore: children rows shown, children received, children the supervisor has.
  // kPager: children streamed with the keyframe, and the keyframe's children_total.
  std::size_t shown = 0;
  std::size_t received = 0;
  std::size_t total = 0;
};

class TreeModel {
 public:
  /// Children shown per page under a supervisor, and the child count up to
  /// which supervisors open by themselves.
  static constexpr std::size_t kPageSize = kTreePageSize;
  static constexpr std::size_t kAutoExpandChildren = 16;
  static constexpr double kFlashSeconds = RestartFlashes::kFlashSeconds;

  /// New data (shared, immutable). Same pointer: no-op. `now_s` is the
  /// viewer's clock, used to time flashes of restarted children.
  void set_data(std::shared_ptr<const v1::Keyframe> kf, double now_s);
  /// A page of `sup`'s children fetched from the agent, shown instead of
  /// the streamed ones until replaced (nullptr: back to the stream). Pages
  /// of supervisors absent from the data are kept and ignored.
  void set_page(const std::string& sup, std::shared_ptr<const v1::ChildrenPage> page, double now_s);
  /// Whether supervisor `sup`'s pager has a problem to show on a line of its own.
  void set_pager_problem(const std::string& sup, bool problem);
  /// Case-insensitive substring over name, registered name, pid, modules
  /// and application. Matches and their ancestors stay, shown expanded.
  void set_filter(const std::string& text);
  const std::string& filter() const { return filter_.text(); }

  /// Rows to draw, in order; rebuilt only after data, filter, expansion or
  /// paging changed. Cost of a rebuild: the rows it produces.
  const std::vector<TreeRow>& rows();

  /// Entries: the keyframe's, then those of the pages shown.
  std::size_t size() const { return index_.size(); }
  const v1::TreeNode& node(int i) const { return index_.node(i); }
  int find(const std::string& id) const { return index_.find(id); }
  int find_pid(const std::string& pid) const { return index_.find_pid(pid); }
  /// Children received for an entry (the agent may send only a page).
  std::size_t child_count(int i) const;
  /// True when a fetched page replaces the streamed children of entry `i`.
  bool paged(int i) const { return index_.paged(i); }
  /// True when entry `i` came with a fetched page, not the keyframe.
  bool from_page(int i) const { return index_.from_page(i); }
  /// Index of entry `i`'s parent, -1 for roots.
  int parent(int i) const { return index_.parent(i); }

  bool expanded(int i) const;
  void set_expanded(int i, bool open);
  void toggle(int i) { set_expanded(i, !expanded(i)); }
  /// One more page of children under supervisor `i`.
  void show_more(int i);

  /// Selection, by tree id so it survives new keyframes.
  void select(const std::string& id);
  void clear_selection() { select(""); }
  /// Selects the entry running `pid` and opens its ancestors (and enough
  /// pages) so it is on screen. False when no entry has that pid.
  bool reveal_pid(const std::string& pid);
  const std::string& selected_id() const { return selected_; }
  const v1::TreeNode* selected() const;
  /// Index in rows() of the selection, -1 when not on screen.
  int selected_row();
  /// Keyboard: move the selection by `delta` rows; open (right) or close
  /// (left; on a closed entry, go to its parent).
  void move_selection(int delta);
  void open_selected(bool open);
  /// The view scrolls to the selection once after it moved (true once).
  bool take_scroll_request();

  /// 1 right after entry `i`'s restart count went up, fading to 0 over
  /// kFlashSeconds. Entries present in the first keyframe never flash.
  float flash(int i, double now_s) const { return flashes_.flash(node(i).id(), now_s); }
  /// True while some entry is flashing (the frame loop should keep drawing).
  bool animating(double now_s) const { return flashes_.animating(now_s); }

  /// Rows produced by the last rebuild plus entries it looked at; tests
  /// check the linearization does not walk collapsed subtrees.
  std::size_t last_rebuild_visits() const { return visits_; }

 private:
  void reindex(double now_s);
  void rebuild();
  void push_children(int parent, int depth, std::vector<std::pair<int, int>>& stack);
  bool default_expanded(int i) const;
  void reveal(int i);

  std::shared_ptr<const v1::Keyframe> data_;
  FetchedPages fetched_;  // by supervisor id
  TreeIndex index_;
  TreeFilter filter_;
  RestartFlashes flashes_;
  // Per tree id, so they survive new keyframes.
  std::unordered_map<std::string, bool> expanded_;   // explicit user choices
  std::unordered_map<std::string, std::size_t> pages_;
  std::unordered_map<std::string, bool> pager_problem_;
  std::string selected_;
  bool scroll_request_ = false;
  std::vector<TreeRow> rows_;
  std::vector<TreeRow> extra_rows_;          // "more" and pager rows waiting on the rebuild stack
  bool dirty_ = true;
  std::size_t visits_ = 0;
};

}  // namespace beamscope::gui
