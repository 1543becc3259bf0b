// The supervision forest; see tree_forest.hpp.
#include "beamscope/protocol/tree_forest.hpp"

namespace beamscope::protocol {

TreeForest link_forest(const google::protobuf::RepeatedPtrField<v1::TreeNode>& entries) {
  TreeForest f;
  const int n = entries.size();
  f.parent.assign(static_cast<std::size_t>(n), -1);
  f.children.resize(static_cast<std::size_t>(n));
  f.by_id.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) f.by_id.emplace(entries[i].id(), i);
  for (int i = 0; i < n; ++i) {
    const std::string& p = entries[i].parent_id();
    auto it = p.empty() ? f.by_id.end() : f.by_id.find(p);
    if (it == f.by_id.end() || it->second == i) {
      f.roots.push_back(i);
    } else {
      f.parent[static_cast<std::size_t>(i)] = it->second;
      f.children[static_cast<std::size_t>(it->second)].push_back(i);
    }
  }
  // What the roots reach, without recursion (a chain may be long).
  std::vector<char> reached(static_cast<std::size_t>(n), 0);
  std::vector<int> stack(f.roots.begin(), f.roots.end());
  while (!stack.empty()) {
    const int i = stack.back();
    stack.pop_back();
    reached[static_cast<std::size_t>(i)] = 1;
    for (int c : f.children[static_cast<std::size_t>(i)]) stack.push_back(c);
  }
  for (int i = 0; i < n; ++i) {
    if (reached[static_cast<std::size_t>(i)]) continue;
    f.unreached.push_back(i);
    f.parent[static_cast<std::size_t>(i)] = -1;
  }
  // Listed flat: a cycle's links would lead a reader round it.
  for (int u : f.unreached) f.children[static_cast<std::size_t>(u)].clear();
  return f;
}

}  // namespace beamscope::protocol
