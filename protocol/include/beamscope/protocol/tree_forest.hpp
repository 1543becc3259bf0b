// The supervision forest of a keyframe's tree entries, linked by
// parent_id, with one policy for every reader (the inspector's tree, ctl
// tree as text and as JSON), so none drops what another shows:
// - an entry whose parent is missing, or is itself, is a root (nothing the
//   agent sent is lost);
// - entries no root reaches (a parent cycle, from a broken or hostile
//   peer) are `unreached`: readers list them flat, without children;
// - children keep the agent's order (readers may sort instances).
//   const TreeForest f = link_forest(kf.tree());
//   for (int r : f.roots) print(r, f.children[r]);
//   for (int u : f.unreached) print_flat(u);
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "beamscope.pb.h"

namespace beamscope::protocol {

/// Readers stop nesting below this depth (and list what is deeper flat):
/// neither building nor printing recurses without bound on a long chain.
inline constexpr int kMaxTreeDepth = 64;

struct TreeForest {
  std::vector<int> parent;                 ///< per entry: its parent's index, -1 for roots and unreached
  std::vector<std::vector<int>> children;  ///< per entry, in entry order (the agent's)
  std::vector<int> roots;                  ///< in entry order
  std::vector<int> unreached;              ///< in no root's subtree, in entry order
  std::unordered_map<std::string, int> by_id;  ///< the first entry of each id
};

TreeForest link_forest(const google::protobuf::RepeatedPtrField<v1::TreeNode>& entries);

}  // namespace beamscope::protocol
