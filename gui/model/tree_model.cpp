// Indexing, linearization, search and flashes of the supervision tree; see
// tree_model.hpp.
#include "tree_model.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>

namespace beamscope::gui {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool contains_lower(const std::string& haystack, const std::string& needle_lower) {
  auto it = std::search(haystack.begin(), haystack.end(), needle_lower.begin(), needle_lower.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != haystack.end();
}

bool matches(const v1::TreeNode& n, const std::string& needle) {
  if (contains_lower(n.name(), needle) || contains_lower(n.registered_name(), needle) ||
      contains_lower(n.pid(), needle) || contains_lower(n.application(), needle))
    return true;
  for (const auto& m : n.modules())
    if (contains_lower(m, needle)) return true;
  return false;
}

// Children of dynamic supervisors are interchangeable instances: the one
// worth seeing first is the one with the longest mailbox. Static children
// keep the order the agent sent.
bool is_dynamic(const v1::TreeNode& n, std::size_t received) {
  return n.strategy() == "simple_one_for_one" || n.children_total() > received ||
         received > TreeModel::kPageSize;
}

}  // namespace

double monotonic_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

TreeHealth tree_health(const v1::TreeNode& n) {
  if (n.escalated()) return TreeHealth::kEscalated;
  if (n.unresponsive()) return TreeHealth::kUnresponsive;
  if (n.pid_state() == "restarting") return TreeHealth::kRestarting;
  if (n.kind() != v1::TreeNode::APPLICATION && n.pid().empty()) return TreeHealth::kNotRunning;
  if (n.kind() == v1::TreeNode::SUPERVISOR && n.restarts_in_period() > 0 &&
      2ull * n.restarts_in_period() >= n.intensity())
    return TreeHealth::kNearLimit;
  return TreeHealth::kRunning;
}

std::uint32_t restart_headroom(const v1::TreeNode& n) {
  return n.restarts_in_period() >= n.intensity() ? 0 : n.intensity() - n.restarts_in_period();
}

std::string tree_display_name(const v1::TreeNode& n) {
  std::string s = n.registered_name().empty() ? n.name() : n.registered_name();
  static const std::string kElixir = "Elixir.";
  if (s.compare(0, kElixir.size(), kElixir) == 0 && s.size() > kElixir.size()) s.erase(0, kElixir.size());
  if (s.empty()) s = n.pid().empty() ? n.id() : n.pid();
  return s;
}

void TreeModel::set_data(std::shared_ptr<const v1::Keyframe> kf, double now_s) {
  if (kf == data_) return;
  data_ = std::move(kf);
  index();
  note_restarts(now_s);
  apply_filter();
  dirty_ = true;
}

void TreeModel::set_page(const std::string& sup, std::shared_ptr<const v1::ChildrenPage> page, double now_s) {
  if (page) fetched_[sup] = std::move(page);
  else if (fetched_.erase(sup) == 0) return;
  if (!data_) return;
  index();
  note_restarts(now_s);
  apply_filter();
  dirty_ = true;
}

// Flash a child whose restart count rose since the last data or page
// (supervisors are not flashed: their count is their children's total).
void TreeModel::note_restarts(double now_s) {
  std::unordered_map<std::string, std::uint64_t> seen;
  seen.reserve(size());
  for (int i = 0; i < static_cast<int>(size()); ++i) {
    const auto& n = node(i);
    if (seen_data_) {
      auto it = restarts_seen_.find(n.id());
      const bool rose = it != restarts_seen_.end() && n.restarts_total() > it->second &&
                        n.kind() != v1::TreeNode::SUPERVISOR && n.kind() != v1::TreeNode::APPLICATION;
      if (rose) flash_start_[n.id()] = now_s;
    }
    seen[n.id()] = n.restarts_total();
  }
  restarts_seen_ = std::move(seen);
  seen_data_ = true;
  for (auto it = flash_start_.begin(); it != flash_start_.end();) {
    it = now_s - it->second > kFlashSeconds ? flash_start_.erase(it) : std::next(it);
  }
}

void TreeModel::index() {
  nodes_.clear();
  if (data_) {
    nodes_.reserve(static_cast<std::size_t>(data_->tree_size()));
    for (const auto& e : data_->tree()) nodes_.push_back(&e);
  }
  const int n = static_cast<int>(nodes_.size());  // keyframe entries
  keyframe_entries_ = nodes_.size();
  by_id_.clear();
  by_pid_.clear();
  by_id_.reserve(n);
  for (int i = 0; i < n; ++i) {
    by_id_.emplace(node(i).id(), i);
    if (!node(i).pid().empty()) by_pid_.emplace(node(i).pid(), i);
  }
  parent_.assign(n, -1);
  streamed_.assign(n, 0);
  roots_.clear();
  for (int i = 0; i < n; ++i) {
    const auto& pid = node(i).parent_id();
    auto it = pid.empty() ? by_id_.end() : by_id_.find(pid);
    // An entry whose parent is missing (or itself) is shown as a root rather than lost.
    if (it == by_id_.end() || it->second == i) {
      roots_.push_back(i);
    } else {
      parent_[i] = it->second;
      ++streamed_[it->second];
    }
  }
  // A fetched page counts only while the stream carries fewer children than
  // the supervisor has: once it carries them all, the stream is the truth.
  paged_.assign(n, 0);
  std::vector<int> owner;  // supervisor of each fetched child
  for (const auto& [sup, page] : fetched_) {
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

void TreeModel::set_pager_problem(const std::string& sup, bool problem) {
  auto it = pager_problem_.find(sup);
  if ((it != pager_problem_.end() && it->second) == problem) return;
  if (problem) pager_problem_[sup] = true;
  else pager_problem_.erase(sup);
  dirty_ = true;
}

void TreeModel::set_filter(const std::string& text) {
  std::string f = lower(text);
  if (f == filter_) return;
  filter_ = std::move(f);
  apply_filter();
  dirty_ = true;
}

void TreeModel::apply_filter() {
  keep_.clear();
  match_.clear();
  if (filter_.empty()) return;
  const int n = static_cast<int>(size());
  keep_.assign(n, 0);
  match_.assign(n, 0);
  for (int i = 0; i < n; ++i) {
    if (!matches(node(i), filter_)) continue;
    match_[i] = 1;
    // Stop at the first ancestor already kept: each entry is marked once.
    for (int a = i; a >= 0 && !keep_[a]; a = parent_[a]) keep_[a] = 1;
  }
}

std::size_t TreeModel::child_count(int i) const {
  return i >= 0 && i < static_cast<int>(children_.size()) ? children_[i].size() : 0;
}

bool TreeModel::paged(int i) const { return i >= 0 && i < static_cast<int>(paged_.size()) && paged_[i]; }

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
  const bool filtering = !filter_.empty();
  std::vector<std::pair<int, int>> stack;  // (entry, depth); entry < 0: extra_rows_[-entry - 1]
  for (auto it = roots_.rbegin(); it != roots_.rend(); ++it) {
    if (!filtering || keep_[*it]) stack.emplace_back(*it, 0);
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
    row.has_children = !children_[i].empty() || node(i).children_total() > 0;
    row.expanded = row.has_children && (filtering || expanded(i));
    row.match = filtering && match_[i];
    rows_.push_back(row);
    if (row.expanded) push_children(i, depth + 1, stack);
  }
}

void TreeModel::push_children(int parent, int depth, std::vector<std::pair<int, int>>& stack) {
  const bool filtering = !filter_.empty();
  const auto& kids = children_[parent];
  // More children than the stream carries: a pager above them fetches pages
  // on request (not while searching: the search covers what is here).
  const bool pager = !filtering && (paged_[parent] || node(parent).children_total() > streamed_[parent]);
  auto pit = pages_.find(node(parent).id());
  const std::size_t limit = (pit == pages_.end() ? 1 : pit->second) * kPageSize;
  std::vector<int> page;
  std::size_t received = 0;
  for (int k : kids) {
    ++visits_;
    if (filtering && !keep_[k]) continue;
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
    r.shown = streamed_[parent];
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

int TreeModel::find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? -1 : it->second;
}

int TreeModel::find_pid(const std::string& pid) const {
  auto it = by_pid_.find(pid);
  return it == by_pid_.end() ? -1 : it->second;
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
  for (int c = i, p = parent_[i]; p >= 0; c = p, p = parent_[p]) {
    expanded_[node(p).id()] = true;
    const auto& kids = children_[p];
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
  } else if (row.expanded && filter_.empty()) {
    set_expanded(row.node, false);
  } else if (parent_[row.node] >= 0) {
    selected_ = node(parent_[row.node]).id();
    scroll_request_ = true;
  }
}

bool TreeModel::take_scroll_request() {
  const bool r = scroll_request_;
  scroll_request_ = false;
  return r;
}

float TreeModel::flash(int i, double now_s) const {
  auto it = flash_start_.find(node(i).id());
  if (it == flash_start_.end()) return 0.0f;
  const double t = (now_s - it->second) / kFlashSeconds;
  return t < 0.0 || t >= 1.0 ? 0.0f : static_cast<float>(1.0 - t);
}

bool TreeModel::animating(double now_s) const {
  for (const auto& [id, start] : flash_start_)
    if (now_s - start < kFlashSeconds) return true;
  return false;
}

}  // namespace beamscope::gui
