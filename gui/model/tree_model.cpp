// Linearization, expansion, paging and selection of the supervision tree;
// see tree_model.hpp.
#include "tree_model.hpp"

#include <algorithm>
#include <cstdlib>

namespace beamscope::gui {

void TreeModel::set_data(std::shared_ptr<const v1::Keyframe> kf, double now_s) {
  if (kf == data_) return;
  data_ = std::move(kf);
  reindex(now_s);
}

void TreeModel::set_page(const std::string& sup, std::shared_ptr<const v1::ChildrenPage> page, double now_s) {
  if (page) fetched_[sup] = std::move(page);
  else if (fetched_.erase(sup) == 0) return;
  if (!data_) return;
  reindex(now_s);
}

// A child whose restart count rose since the last data or page flashes.
void TreeModel::reindex(double now_s) {
  index_.build(data_.get(), fetched_);
  flashes_.note([this](auto&& f) {
    for (int i = 0; i < static_cast<int>(size()); ++i) f(node(i));
  }, size(), now_s);
  filter_.apply(index_);
  dirty_ = true;
}

void TreeModel::set_pager_problem(const std::string& sup, bool problem) {
  auto it = pager_problem_.find(sup);
  if ((it != pager_problem_.end() && it->second) == problem) return;
  if (problem) pager_problem_[sup] = true;
  else pager_problem_.erase(sup);
  dirty_ = true;
}

void TreeModel::set_filter(const std::string& text) {
  if (!filter_.set_text(text)) return;
  filter_.apply(index_);
  dirty_ = true;
}

std::size_t TreeModel::child_count(int i) const {
  return i >= 0 && i < static_cast<int>(size()) ? index_.children(i).size() : 0;
}

bool TreeModel::default_expanded(int i) const {
  const auto& n = node(i);
  if (n.kind() == v1::TreeNode::APPLICATION) return true;
  if (n.kind() != v1::TreeNode::SUPERVISOR) return false;
  return child_count(i) <= kAutoExpandChildren && n.children_total() <= kAutoExpandChildren;
}

bool TreeModel::expanded(int i) const {
  auto it = expanded_.find(node(i).id());
  return it != expanded_.end() ? it->second : default_expanded(i);
}

void TreeModel::set_expanded(int i, bool open) {
  if (i < 0 || i >= static_cast<int>(size())) return;
  expanded_[node(i).id()] = open;
  dirty_ = true;
}

void TreeModel::show_more(int i) {
  if (i < 0 || i >= static_cast<int>(size())) return;
  auto& pages = pages_[node(i).id()];
  pages = std::max<std::size_t>(pages, 1) + 1;
  dirty_ = true;
}

const std::vector<TreeRow>& TreeModel::rows() {
  if (dirty_) rebuild();
  return rows_;
}

// Depth-first over what is open: each visited entry is a row, so the work
// is the rows produced (plus skipped non-matching children while searching).
void TreeModel::rebuild() {
  dirty_ = false;
  rows_.clear();
  extra_rows_.clear();
  visits_ = 0;
  if (!data_) return;
  const bool filtering = filter_.active();
  std::vector<std::pair<int, int>> stack;  // (entry, depth); entry < 0: extra_rows_[-entry - 1]
  const auto& roots = index_.roots();
  for (auto it = roots.rbegin(); it != roots.rend(); ++it) {
    if (!filtering || filter_.keep(*it)) stack.emplace_back(*it, 0);
  }
  while (!stack.empty()) {
    const auto [i, depth] = stack.back();
    stack.pop_back();
    ++visits_;
    if (i < 0) {
      rows_.push_back(extra_rows_[static_cast<std::size_t>(-i - 1)]);
      continue;
    }
    TreeRow row;
    row.node = i;
    row.depth = depth;
    row.has_children = !index_.children(i).empty() || node(i).children_total() > 0;
    row.expanded = row.has_children && (filtering || expanded(i));
    row.match = filtering && filter_.match(i);
    rows_.push_back(row);
    if (row.expanded) push_children(i, depth + 1, stack);
  }
}

void TreeModel::push_children(int parent, int depth, std::vector<std::pair<int, int>>& stack) {
  const bool filtering = filter_.active();
  const auto& kids = index_.children(parent);
  // More children than the stream carries: a pager above them fetches pages
  // on request (not while searching: the search covers what is here).
  const bool pager = !filtering && (index_.paged(parent) || node(parent).children_total() > index_.streamed(parent));
  auto pit = pages_.find(node(parent).id());
  const std::size_t limit = (pit == pages_.end() ? 1 : pit->second) * kPageSize;
  std::vector<int> page;
  std::size_t received = 0;
  for (int k : kids) {
    ++visits_;
    if (filtering && !filter_.keep(k)) continue;
    ++received;
    if (page.size() < limit) page.push_back(k);
    else if (!filtering) break;  // unfiltered, the count is known without looking further
  }
  if (!filtering) received = kids.size();
  const std::size_t total =
      filtering ? received : std::max<std::size_t>(received, node(parent).children_total());
  auto push_extra = [&](const TreeRow& r) {
    extra_rows_.push_back(r);
    stack.emplace_back(-static_cast<int>(extra_rows_.size()), depth);
  };
  if (!pager && page.size() < total) {
    TreeRow more;
    more.kind = TreeRow::Kind::kMore;
    more.node = parent;
    more.depth = depth;
    more.shown = page.size();
    more.received = received;
    more.total = total;
    push_extra(more);
  }
  for (auto it = page.rbegin(); it != page.rend(); ++it) stack.emplace_back(*it, depth);
  if (pager) {  // pushed last, popped first: above the children
    TreeRow r;
    r.node = parent;
    r.depth = depth;
    r.shown = index_.streamed(parent);
    r.received = kids.size();
    r.total = node(parent).children_total();
    r.kind = TreeRow::Kind::kPagerNav;
    push_extra(r);
    if (pager_problem_.count(node(parent).id()) != 0) {
      r.kind = TreeRow::Kind::kPagerProblem;
      push_extra(r);
    }
    r.kind = TreeRow::Kind::kPager;
    push_extra(r);
  }
}

void TreeModel::select(const std::string& id) {
  if (id == selected_) return;
  selected_ = id;
  scroll_request_ = !id.empty();
}

const v1::TreeNode* TreeModel::selected() const {
  const int i = find(selected_);
  return i < 0 ? nullptr : &node(i);
}

bool TreeModel::reveal_pid(const std::string& pid) {
  const int i = pid.empty() ? -1 : find_pid(pid);
  if (i < 0) return false;
  reveal(i);
  selected_ = node(i).id();
  scroll_request_ = true;
  return true;
}

// Opens every ancestor of `i` and pages far enough under each to include it.
void TreeModel::reveal(int i) {
  for (int c = i, p = parent(i); p >= 0; c = p, p = parent(p)) {
    expanded_[node(p).id()] = true;
    const auto& kids = index_.children(p);
    const auto pos = static_cast<std::size_t>(std::find(kids.begin(), kids.end(), c) - kids.begin());
    auto& pages = pages_[node(p).id()];
    pages = std::max<std::size_t>({pages, 1, pos / kPageSize + 1});
  }
  dirty_ = true;
}

int TreeModel::selected_row() {
  if (selected_.empty()) return -1;
  const int sel = find(selected_);
  const auto& r = rows();
  for (std::size_t k = 0; k < r.size(); ++k)
    if (r[k].kind == TreeRow::Kind::kNode && r[k].node == sel) return static_cast<int>(k);
  return -1;
}

void TreeModel::move_selection(int delta) {
  const auto& r = rows();
  if (r.empty() || delta == 0) return;
  int k = selected_row();
  if (k < 0) k = delta > 0 ? -1 : static_cast<int>(r.size());
  const int step = delta > 0 ? 1 : -1;
  for (int left = std::abs(delta); left > 0;) {
    const int next = k + step;
    if (next < 0 || next >= static_cast<int>(r.size())) break;
    k = next;
    if (r[k].kind == TreeRow::Kind::kNode) --left;  // "more" rows are not selectable
  }
  if (k >= 0 && k < static_cast<int>(r.size()) && r[k].kind == TreeRow::Kind::kNode) {
    selected_ = node(r[k].node).id();
    scroll_request_ = true;
  }
}

void TreeModel::open_selected(bool open) {
  const int k = selected_row();
  if (k < 0) return;
  const TreeRow row = rows()[k];
  if (open) {
    if (row.has_children && !row.expanded) set_expanded(row.node, true);
  } else if (row.expanded && !filter_.active()) {
    set_expanded(row.node, false);
  } else if (parent(row.node) >= 0) {
    selected_ = node(parent(row.node)).id();
    scroll_request_ = true;
  }
}

bool TreeModel::take_scroll_request() {
  const bool r = scroll_request_;
  scroll_request_ = false;
  return r;
}

}  // namespace beamscope::gui
