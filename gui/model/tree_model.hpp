// The supervision tree as data for the tree view: the flattened forest of
// one keyframe indexed once per new keyframe, and the visible part of it
// linearized into rows (only expanded subtrees are walked, and children of
// huge dynamic supervisors come in pages), so the per-frame cost is the
// rows on screen, never the size of the tree. A page of children fetched
// from the agent replaces the streamed summary under its supervisor and is
// indexed like any entry (badges, selection, detail). Also the search filter (keeps
// ancestors of matches), the selection, and the 1 s flash of a child whose
// restart count went up. No ImGui.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "beamscope.pb.h"

namespace beamscope::gui {

/// The viewer's monotonic clock in seconds (flashes are timed with it).
double monotonic_s();

/// What a row's status dot and name colour say.
enum class TreeHealth {
  kRunning,       ///< has a pid, nothing wrong
  kNearLimit,     ///< supervisor: at least half of its restart intensity used in the period
  kEscalated,     ///< supervisor: reached its max restart intensity
  kUnresponsive,  ///< supervisor: which_children timed out or failed
  kRestarting,    ///< child between a crash and its restart
  kNotRunning,    ///< no pid (temporary child gone, `undefined`)
};

/// Health of one tree entry, from its own fields.
TreeHealth tree_health(const v1::TreeNode& n);

/// Restarts a supervisor may still take in its period before it gives up:
/// intensity - restarts_in_period, never negative. OTP stops a supervisor
/// when more than `intensity` restarts fall inside `period_s`.
std::uint32_t restart_headroom(const v1::TreeNode& n);

/// What a person calls an entry: registered name, else the child id, with
/// Elixir module names shown without their "Elixir." prefix.
std::string tree_display_name(const v1::TreeNode& n);

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
  static constexpr std::size_t kPageSize = 100;
  static constexpr std::size_t kAutoExpandChildren = 16;
  static constexpr double kFlashSeconds = 1.0;

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
  const std::string& filter() const { return filter_; }

  /// Rows to draw, in order; rebuilt only after data, filter, expansion or
  /// paging changed. Cost of a rebuild: the rows it produces.
  const std::vector<TreeRow>& rows();

  /// Entries: the keyframe's, then those of the pages shown.
  std::size_t size() const { return nodes_.size(); }
  const v1::TreeNode& node(int i) const { return *nodes_[static_cast<std::size_t>(i)]; }
  int find(const std::string& id) const;
  int find_pid(const std::string& pid) const;
  /// Children received for an entry (the agent may send only a page).
  std::size_t child_count(int i) const;
  /// True when a fetched page replaces the streamed children of entry `i`.
  bool paged(int i) const;
  /// True when entry `i` came with a fetched page, not the keyframe.
  bool from_page(int i) const { return i >= static_cast<int>(keyframe_entries_) && i < static_cast<int>(size()); }
  /// Index of entry `i`'s parent, -1 for roots.
  int parent(int i) const { return i >= 0 && i < static_cast<int>(parent_.size()) ? parent_[i] : -1; }

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
  float flash(int i, double now_s) const;
  /// True while some entry is flashing (the frame loop should keep drawing).
  bool animating(double now_s) const;

  /// Rows produced by the last rebuild plus entries it looked at; tests
  /// check the linearization does not walk collapsed subtrees.
  std::size_t last_rebuild_visits() const { return visits_; }

 private:
  void index();
  void note_restarts(double now_s);
  void apply_filter();
  void rebuild();
  void push_children(int parent, int depth, std::vector<std::pair<int, int>>& stack);
  bool default_expanded(int i) const;
  void reveal(int i);

  std::shared_ptr<const v1::Keyframe> data_;
  std::unordered_map<std::string, std::shared_ptr<const v1::ChildrenPage>> fetched_;  // by supervisor id
  std::vector<const v1::TreeNode*> nodes_;   // keyframe entries, then fetched children
  std::size_t keyframe_entries_ = 0;
  std::vector<char> paged_;                  // per entry: its children come from fetched_
  std::vector<std::size_t> streamed_;        // per entry: children in the keyframe
  std::vector<int> parent_;                  // -1 for roots
  std::vector<std::vector<int>> children_;   // display order
  std::vector<int> roots_;
  std::unordered_map<std::string, int> by_id_, by_pid_;
  std::string filter_;                       // lower-cased
  std::vector<char> keep_, match_;           // per entry, when filtering
  // Per tree id, so they survive new keyframes.
  std::unordered_map<std::string, bool> expanded_;   // explicit user choices
  std::unordered_map<std::string, std::size_t> pages_;
  std::unordered_map<std::string, bool> pager_problem_;
  std::unordered_map<std::string, std::uint64_t> restarts_seen_;
  std::unordered_map<std::string, double> flash_start_;
  bool seen_data_ = false;
  std::string selected_;
  bool scroll_request_ = false;
  std::vector<TreeRow> rows_;
  std::vector<TreeRow> extra_rows_;          // "more" and pager rows waiting on the rebuild stack
  bool dirty_ = true;
  std::size_t visits_ = 0;
};

}  // namespace beamscope::gui
