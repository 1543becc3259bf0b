// Tree index; see tree_index.hpp.
#include "tree_index.hpp"

#include <algorithm>

#include "beamscope/protocol/supervision.hpp"
#include "beamscope/protocol/tree_forest.hpp"

namespace beamscope::gui {
namespace {

// Children of dynamic supervisors are interchangeable instances: the one
// worth seeing first is the one with the longest mailbox. Beyond protocol's
// rule, a fetched page of more than a page's worth of children too.
bool is_dynamic(const v1::TreeNode& n, std::size_t received) {
  return protocol::has_dynamic_children(n) || received > kTreePageSize;
}

}  // namespace

void TreeIndex::build(const v1::Keyframe* kf, const FetchedPages& fetched) {
  nodes_.clear();
  if (kf) {
    nodes_.reserve(static_cast<std::size_t>(kf->tree_size()));
    for (const auto& e : kf->tree()) nodes_.push_back(&e);
  }
  const int n = static_cast<int>(nodes_.size());  // keyframe entries
  keyframe_entries_ = nodes_.size();
  // protocol's one policy: a missing parent makes a root, a cycle is listed flat.
  protocol::TreeForest links = kf ? protocol::link_forest(kf->tree()) : protocol::TreeForest{};
  by_id_ = std::move(links.by_id);
  by_pid_.clear();
  for (int i = 0; i < n; ++i)
    if (!node(i).pid().empty()) by_pid_.emplace(node(i).pid(), i);
  parent_ = std::move(links.parent);
  roots_ = std::move(links.roots);
  roots_.insert(roots_.end(), links.unreached.begin(), links.unreached.end());
  streamed_.assign(n, 0);
  for (int i = 0; i < n; ++i)
    if (parent_[i] >= 0) ++streamed_[parent_[i]];
  // Once the stream carries every child, the stream is the truth.
  paged_.assign(n, 0);
  std::vector<int> owner;  // supervisor of each fetched child
  for (const auto& [sup, page] : fetched) {
    auto it = by_id_.find(sup);
    if (it == by_id_.end() || node(it->second).children_total() <= streamed_[it->second]) continue;
    paged_[static_cast<std::size_t>(it->second)] = 1;
    for (const auto& c : page->children()) {
      nodes_.push_back(&c);
      owner.push_back(it->second);
    }
  }
  const int all = static_cast<int>(nodes_.size());
  paged_.resize(all, 0);
  parent_.resize(all, -1);
  streamed_.resize(all, 0);
  children_.assign(all, {});
  for (int i = 0; i < n; ++i) {
    // Under a paged supervisor the fetched page is shown instead; the
    // streamed entries stay findable (a selection survives paging).
    if (parent_[i] >= 0 && !paged_[parent_[i]]) children_[parent_[i]].push_back(i);
  }
  // Fetched children come after the keyframe's, page by page in the agent's
  // order; they win lookups by id and pid over the streamed copies.
  for (int i = n; i < all; ++i) {
    const int sup = owner[static_cast<std::size_t>(i - n)];
    parent_[i] = sup;
    children_[sup].push_back(i);
    by_id_[node(i).id()] = i;
    if (!node(i).pid().empty()) by_pid_[node(i).pid()] = i;
  }
  for (int i = 0; i < n; ++i) {
    auto& kids = children_[i];
    if (paged_[i] || !is_dynamic(node(i), kids.size())) continue;
    std::stable_sort(kids.begin(), kids.end(), [this](int a, int b) {
      const auto &x = node(a), &y = node(b);
      if (x.message_queue_len() != y.message_queue_len()) return x.message_queue_len() > y.message_queue_len();
      return x.memory_bytes() > y.memory_bytes();
    });
  }
}

int TreeIndex::find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? -1 : it->second;
}

int TreeIndex::find_pid(const std::string& pid) const {
  auto it = by_pid_.find(pid);
  return it == by_pid_.end() ? -1 : it->second;
}

}  // namespace beamscope::gui
