// The supervision tree of one keyframe, indexed: entries (the keyframe's,
// then the children of fetched pages), parents, children in display order,
// roots, and lookups by tree id and pid. Rebuilt once per new keyframe or
// page, never per frame. protocol's one policy (tree_forest.hpp) for an
// entry whose parent is missing or itself (a root) and for a parent cycle
// (its entries listed flat as roots): nothing is lost. Children of dynamic
// supervisors are ordered by mailbox (the one worth seeing first); static
// children keep the agent's order. No ImGui.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "beamscope.pb.h"

namespace beamscope::gui {

/// Children shown per page under a supervisor (and above which a
/// supervisor's children count as instances to sort by mailbox).
inline constexpr std::size_t kTreePageSize = 100;

/// Pages of children fetched from the agent, by supervisor id.
using FetchedPages = std::unordered_map<std::string, std::shared_ptr<const v1::ChildrenPage>>;

class TreeIndex {
 public:
  /// `kf` may be null (empty index). A fetched page counts only while the
  /// stream carries fewer children than the supervisor has.
  void build(const v1::Keyframe* kf, const FetchedPages& fetched);

  std::size_t size() const { return nodes_.size(); }
  const v1::TreeNode& node(int i) const { return *nodes_[static_cast<std::size_t>(i)]; }
  int find(const std::string& id) const;
  int find_pid(const std::string& pid) const;
  int parent(int i) const { return i >= 0 && i < static_cast<int>(parent_.size()) ? parent_[i] : -1; }
  const std::vector<int>& children(int i) const { return children_[static_cast<std::size_t>(i)]; }
  const std::vector<int>& roots() const { return roots_; }
  /// Children of entry `i` that came with the keyframe.
  std::size_t streamed(int i) const { return streamed_[static_cast<std::size_t>(i)]; }
  /// A fetched page replaces the streamed children of entry `i`.
  bool paged(int i) const { return i >= 0 && i < static_cast<int>(paged_.size()) && paged_[i]; }
  /// Entry `i` came with a fetched page, not the keyframe.
  bool from_page(int i) const { return i >= static_cast<int>(keyframe_entries_) && i < static_cast<int>(size()); }

 private:
  std::vector<const v1::TreeNode*> nodes_;   // keyframe entries, then fetched children
  std::size_t keyframe_entries_ = 0;
  std::vector<char> paged_;                  // per entry: its children come from a fetched page
  std::vector<std::size_t> streamed_;        // per entry: children in the keyframe
  std::vector<int> parent_;                  // -1 for roots
  std::vector<std::vector<int>> children_;   // display order
  std::vector<int> roots_;
  std::unordered_map<std::string, int> by_id_, by_pid_;
};

}  // namespace beamscope::gui
