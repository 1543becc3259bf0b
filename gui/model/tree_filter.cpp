// Tree search; see tree_filter.hpp.
#include "tree_filter.hpp"

#include <algorithm>
#include <cctype>

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

}  // namespace

bool TreeFilter::set_text(const std::string& text) {
  std::string f = lower(text);
  if (f == text_) return false;
  text_ = std::move(f);
  return true;
}

void TreeFilter::apply(const TreeIndex& index) {
  keep_.clear();
  match_.clear();
  if (text_.empty()) return;
  const int n = static_cast<int>(index.size());
  keep_.assign(n, 0);
  match_.assign(n, 0);
  for (int i = 0; i < n; ++i) {
    if (!matches(index.node(i), text_)) continue;
    match_[i] = 1;
    // Stop at the first ancestor already kept: each entry is marked once.
    for (int a = i; a >= 0 && !keep_[a]; a = index.parent(a)) keep_[a] = 1;
  }
}

}  // namespace beamscope::gui
