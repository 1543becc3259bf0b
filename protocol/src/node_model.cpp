// Applying the stream to a node's state. Processes live in a map by pid so
// deltas cost O(changed); the full Keyframe is rebuilt only when asked for.
#include "beamscope/protocol/node_model.hpp"

#include <algorithm>
#include <string_view>
#include <type_traits>
#include <vector>

#include "beamscope/protocol/version.hpp"

namespace beamscope::protocol {

bool parse_sort_key(const std::string& text, SortKey& out) {
  if (text == "mailbox") out = SortKey::kMailbox;
  else if (text == "memory") out = SortKey::kMemory;
  else if (text == "reductions") out = SortKey::kReductions;
  else if (text == "gc") out = SortKey::kMinorGcs;
  else return false;
  return true;
}

std::uint64_t sort_value(const ProcessSample& p, SortKey key) {
  switch (key) {
    case SortKey::kMailbox: return p.message_queue_len();
    // A guarded process has no `memory`; its heap is the best lower bound.
    case SortKey::kMemory: return p.memory_bytes() ? p.memory_bytes() : p.total_heap_size_words() * 8;
    case SortKey::kReductions: return p.reductions_per_s();
    case SortKey::kMinorGcs: return p.minor_gcs();
  }
  return 0;
}

namespace {

// Appends the events newer than the newest kept, keeping the newest `max`;
// returns how many kept events were pushed out.
std::uint64_t append_events(std::deque<v1::Event>& kept, const google::protobuf::RepeatedPtrField<v1::Event>& events,
                            std::size_t max) {
  std::uint64_t pushed_out = 0;
  for (const auto& e : events) {
    // Keyframes repeat recent events; keep each id once.
    if (!kept.empty() && e.id() <= kept.back().id()) continue;
    kept.push_back(e);
    while (kept.size() > max) {
      kept.pop_front();
      ++pushed_out;
    }
  }
  return pushed_out;
}

// Makes `map` hold exactly the entries of `items` (the last of a repeated
// key wins), updating the entries it holds in place: a keyframe mostly
// repeats the state, and an entry assigned in place keeps its allocations
// (a model cleared and refilled allocated every row and its strings again
// at every keyframe, in each of a collector's models).
template <typename Map, typename Items, typename KeyOf>
void replace_all(Map& map, const Items& items, KeyOf key_of) {
  for (const auto& item : items) map[key_of(item)] = item;
  std::vector<std::string_view> keys;
  keys.reserve(static_cast<std::size_t>(items.size()));
  for (const auto& item : items) keys.emplace_back(key_of(item));
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  if (map.size() == keys.size()) return;  // every key of `items` is held: nothing else is
  for (auto it = map.begin(); it != map.end();) {
    if (std::binary_search(keys.begin(), keys.end(), std::string_view(it->first))) ++it;
    else it = map.erase(it);
  }
}

}  // namespace

void NodeModel::reset_from(const Keyframe& kf) {
  base_ = kf;  // into base_'s cleared rows: copied without allocating, then cleared again
  base_.clear_processes();
  base_.clear_tree();
  base_.clear_events();
  processes_.reserve(static_cast<std::size_t>(kf.processes_size()));
  replace_all(processes_, kf.processes(), [](const ProcessSample& p) -> const std::string& { return p.pid(); });
  replace_all(tree_, kf.tree(), [](const TreeNode& n) -> const std::string& { return n.id(); });
  events_.clear();
  // A keyframe repeats history: what it cannot hold is not news.
  append_events(events_, kf.events(), limits_.max_events);
}

void NodeModel::merge(const Delta& d) {
  if (d.has_gauges()) *base_.mutable_gauges() = d.gauges();
  if (d.has_mailbox_histogram()) *base_.mutable_mailbox_histogram() = d.mailbox_histogram();
  if (d.has_sweep()) *base_.mutable_sweep() = d.sweep();
  if (d.has_agent()) *base_.mutable_agent() = d.agent();
  if (d.has_tree_stats()) *base_.mutable_tree_stats() = d.tree_stats();
  if (d.has_monitor()) *base_.mutable_monitor() = d.monitor();
  if (d.has_history_stats()) *base_.mutable_history_stats() = d.history_stats();
  if (d.applications_size() > 0) *base_.mutable_applications() = d.applications();
  if (d.has_alerts()) *base_.mutable_alerts() = d.alerts();
  for (const auto& pid : d.removed()) processes_.erase(pid);
  for (const auto& p : d.upserted()) processes_[p.pid()] = p;
  for (const auto& id : d.tree_removed()) tree_.erase(id);
  for (const auto& n : d.tree_upserted()) tree_[n.id()] = n;
  cut_[Cut::kEvents] += append_events(events_, d.events(), limits_.max_events);
}

// Sequencing only: whether `env` is the next frame to apply.
ApplyResult NodeModel::admit(const Envelope& env) const {
  switch (env.body_case()) {
    case Envelope::kKeyframe: return ApplyResult::kApplied;
    case Envelope::kDelta:
      if (!has_keyframe_) return ApplyResult::kNeedKeyframe;
      if (env.seq() <= seq_) return ApplyResult::kStale;
      if (env.seq() != seq_ + 1) return ApplyResult::kNeedKeyframe;
      return ApplyResult::kApplied;
    default: return ApplyResult::kIgnored;
  }
}

void NodeModel::commit(const Envelope& env) {
  if (env.has_keyframe()) {
    reset_from(env.keyframe());
    has_keyframe_ = true;
  } else {
    merge(env.delta());
  }
  seq_ = env.seq();
  updated_us_ = env.timestamp_us();
  cached_.reset();
}

ApplyResult NodeModel::apply(const Envelope& env) {
  const ApplyResult r = admit(env);
  if (r != ApplyResult::kApplied) return r;
  if (!may_pass_limits(env)) {
    commit(env);
    return r;
  }
  Envelope kept = env;  // only near a cap: the common frame is applied as is
  fit(kept);
  commit(kept);
  return r;
}

ApplyResult NodeModel::apply_trimming(Envelope& env) {
  const ApplyResult r = admit(env);
  if (r != ApplyResult::kApplied) return r;
  if (may_pass_limits(env)) fit(env);
  commit(env);
  return r;
}

std::shared_ptr<const Keyframe> NodeModel::snapshot() const {
  if (cached_) return cached_;
  auto kf = std::make_shared<Keyframe>(base_);
  kf->set_sampled_at_us(updated_us_);
  std::vector<const ProcessSample*> ordered;
  ordered.reserve(processes_.size());
  for (const auto& [pid, p] : processes_) ordered.push_back(&p);
  // Stable order (by mailbox) so consumers and tests see a deterministic list.
  std::sort(ordered.begin(), ordered.end(), [](const ProcessSample* a, const ProcessSample* b) {
    if (a->message_queue_len() != b->message_queue_len()) return a->message_queue_len() > b->message_queue_len();
    return a->pid() < b->pid();
  });
  kf->mutable_processes()->Reserve(static_cast<int>(ordered.size()));
  for (const auto* p : ordered) *kf->add_processes() = *p;
  kf->mutable_tree()->Reserve(static_cast<int>(tree_.size()));
  for (const auto& [id, n] : tree_) *kf->add_tree() = n;
  for (const auto& e : events_) *kf->add_events() = e;
  cached_ = std::move(kf);
  return cached_;
}

std::vector<ProcessSample> NodeModel::top(SortKey key, std::size_t limit) const {
  std::vector<const ProcessSample*> ordered;
  ordered.reserve(processes_.size());
  for (const auto& [pid, p] : processes_) ordered.push_back(&p);
  auto by_key = [key](const ProcessSample* a, const ProcessSample* b) {
    const auto va = sort_value(*a, key), vb = sort_value(*b, key);
    if (va != vb) return va > vb;
    return a->pid() < b->pid();
  };
  const std::size_t n = std::min(limit, ordered.size());
  std::partial_sort(ordered.begin(), ordered.begin() + static_cast<std::ptrdiff_t>(n), ordered.end(), by_key);
  std::vector<ProcessSample> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(*ordered[i]);
  return out;
}

template <typename Env>
ApplyResult FleetModel::apply_to_node(Env& env) {
  auto it = nodes_.find(env.node());
  if (it == nodes_.end()) {
    if (!env.has_keyframe() && !env.has_delta()) return ApplyResult::kIgnored;
    if (nodes_.size() >= limits_.max_nodes) {
      // A delta too: no keyframe would make room, so no resync is asked for.
      ++cut_[Cut::kNodes];
      return ApplyResult::kRefused;
    }
    if (!env.has_keyframe()) return ApplyResult::kNeedKeyframe;
    it = nodes_.try_emplace(env.node(), limits_).first;
  }
  NodeModel& node = it->second;
  const CutCounts before = node.cut();
  ApplyResult r;
  if constexpr (std::is_const_v<Env>) {
    r = node.apply(env);
  } else {
    r = node.apply_trimming(env);
  }
  for (std::size_t i = 0; i < kCutKinds; ++i) cut_.by[i] += node.cut().by[i] - before.by[i];
  return r;
}

ApplyResult FleetModel::apply(const Envelope& env) { return apply_to_node(env); }
ApplyResult FleetModel::apply_trimming(Envelope& env) { return apply_to_node(env); }

Envelope NodeState::envelope() const {
  Envelope env;
  env.set_version_major(kVersionMajor);
  env.set_version_minor(kVersionMinor);
  env.set_node(node);
  env.set_seq(seq);
  env.set_timestamp_us(updated_us);
  *env.mutable_keyframe() = *keyframe;
  return env;
}

std::vector<NodeState> FleetModel::states() const {
  std::vector<NodeState> out;
  out.reserve(nodes_.size());
  for (const auto& [name, model] : nodes_)
    if (model.has_state()) out.push_back({name, model.seq(), model.updated_us(), model.snapshot()});
  return out;
}

const NodeModel* FleetModel::find(const std::string& node) const {
  auto it = nodes_.find(node);
  return it == nodes_.end() ? nullptr : &it->second;
}

}  // namespace beamscope::protocol
