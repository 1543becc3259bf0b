// Keeping a node's state within its limits: what of a frame fits. Entries
// the model already holds are always updated or removed; new ones are
// taken in frame order while there is room, the rest are cut and counted.
// Runs only for frames that could pass a cap (may_pass_limits), so the
// common frame costs one size comparison.
#include <string_view>
#include <unordered_set>

#include "beamscope/protocol/node_model.hpp"

namespace beamscope::protocol {

namespace {

// Keeps in `items` the entries that are held already (`held(key)`), repeat
// a key taken earlier in this frame, or are new while fewer than `room` new
// keys were taken; removes the others in place (order kept). Returns how
// many it removed.
template <typename Items, typename KeyOf, typename Held>
std::uint64_t keep_within(Items& items, std::size_t room, KeyOf key_of, Held held) {
  std::unordered_set<std::string_view> taken;  // views into kept items, which stay alive
  int w = 0;
  for (int i = 0; i < items.size(); ++i) {
    const std::string_view key = key_of(items.Get(i));
    bool keep = held(key) || taken.count(key) > 0;
    if (!keep && taken.size() < room) {
      taken.insert(key);
      keep = true;
    }
    if (!keep) continue;
    if (w != i) items.SwapElements(w, i);
    ++w;
  }
  const int cut = items.size() - w;
  if (cut > 0) items.DeleteSubrange(w, cut);
  return static_cast<std::uint64_t>(cut);
}

// Keys of `map` a delta removes (each once), so their room is free again.
template <typename Map, typename Removed>
std::unordered_set<std::string_view> removed_held(const Map& map, const Removed& removed) {
  std::unordered_set<std::string_view> out;
  for (const auto& key : removed)
    if (map.count(key) > 0) out.insert(key);
  return out;
}

template <typename Map>
bool holds(const Map& map, const std::unordered_set<std::string_view>& removed, std::string_view key) {
  if (removed.count(key) > 0) return false;  // removed first, so an upsert of it is new again
  return map.find(std::string(key)) != map.end();
}

}  // namespace

bool NodeModel::may_pass_limits(const Envelope& env) const {
  if (env.has_keyframe()) {
    const auto& k = env.keyframe();
    return static_cast<std::size_t>(k.processes_size()) > limits_.max_processes ||
           static_cast<std::size_t>(k.tree_size()) > limits_.max_tree_entries;
  }
  if (env.has_delta()) {
    const auto& d = env.delta();
    return processes_.size() + static_cast<std::size_t>(d.upserted_size()) > limits_.max_processes ||
           tree_.size() + static_cast<std::size_t>(d.tree_upserted_size()) > limits_.max_tree_entries;
  }
  return false;
}

void NodeModel::fit(Envelope& env) {
  const auto nothing_held = [](std::string_view) { return false; };
  if (env.has_keyframe()) {
    auto* k = env.mutable_keyframe();
    cut_[Cut::kProcesses] += keep_within(
        *k->mutable_processes(), limits_.max_processes, [](const ProcessSample& p) -> std::string_view { return p.pid(); },
        nothing_held);
    cut_[Cut::kTreeEntries] += keep_within(
        *k->mutable_tree(), limits_.max_tree_entries, [](const TreeNode& n) -> std::string_view { return n.id(); },
        nothing_held);
    return;
  }
  if (!env.has_delta()) return;
  auto* d = env.mutable_delta();
  {
    const auto gone = removed_held(processes_, d->removed());
    const std::size_t after = processes_.size() - gone.size();
    const std::size_t room = limits_.max_processes > after ? limits_.max_processes - after : 0;
    cut_[Cut::kProcesses] += keep_within(
        *d->mutable_upserted(), room, [](const ProcessSample& p) -> std::string_view { return p.pid(); },
        [&](std::string_view pid) { return holds(processes_, gone, pid); });
  }
  {
    const auto gone = removed_held(tree_, d->tree_removed());
    const std::size_t after = tree_.size() - gone.size();
    const std::size_t room = limits_.max_tree_entries > after ? limits_.max_tree_entries - after : 0;
    cut_[Cut::kTreeEntries] += keep_within(
        *d->mutable_tree_upserted(), room, [](const TreeNode& n) -> std::string_view { return n.id(); },
        [&](std::string_view id) { return holds(tree_, gone, id); });
  }
}

}  // namespace beamscope::protocol
