// Applying the stream to a node's state. Processes live in a map by pid so
// deltas cost O(changed); the full Keyframe is rebuilt only when asked for.
#include "beamscope/protocol/node_model.hpp"

#include <algorithm>

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

void append_events(std::deque<v1::Event>& kept, const google::protobuf::RepeatedPtrField<v1::Event>& events) {
  for (const auto& e : events) {
    // Keyframes repeat recent events; keep each id once.
    if (!kept.empty() && e.id() <= kept.back().id()) continue;
    kept.push_back(e);
    if (kept.size() > kKeptEvents) kept.pop_front();
  }
}

}  // namespace

void NodeModel::reset_from(const Keyframe& kf) {
  base_ = kf;
  base_.clear_processes();
  base_.clear_tree();
  base_.clear_events();
  processes_.clear();
  processes_.reserve(static_cast<std::size_t>(kf.processes_size()));
  for (const auto& p : kf.processes()) processes_[p.pid()] = p;
  tree_.clear();
  for (const auto& n : kf.tree()) tree_[n.id()] = n;
  events_.clear();
  append_events(events_, kf.events());
}

void NodeModel::merge(const Delta& d) {
  if (d.has_gauges()) *base_.mutable_gauges() = d.gauges();
  if (d.has_mailbox_histogram()) *base_.mutable_mailbox_histogram() = d.mailbox_histogram();
  if (d.has_sweep()) *base_.mutable_sweep() = d.sweep();
  if (d.has_agent()) *base_.mutable_agent() = d.agent();
  if (d.has_tree_stats()) *base_.mutable_tree_stats() = d.tree_stats();
  if (d.has_monitor()) *base_.mutable_monitor() = d.monitor();
  if (d.applications_size() > 0) *base_.mutable_applications() = d.applications();
  for (const auto& pid : d.removed()) processes_.erase(pid);
  for (const auto& p : d.upserted()) processes_[p.pid()] = p;
  for (const auto& id : d.tree_removed()) tree_.erase(id);
  for (const auto& n : d.tree_upserted()) tree_[n.id()] = n;
  append_events(events_, d.events());
}

ApplyResult NodeModel::apply(const Envelope& env) {
  switch (env.body_case()) {
    case Envelope::kKeyframe:
      reset_from(env.keyframe());
      has_keyframe_ = true;
      break;
    case Envelope::kDelta:
      if (!has_keyframe_) return ApplyResult::kNeedKeyframe;
      if (env.seq() <= seq_) return ApplyResult::kStale;
      if (env.seq() != seq_ + 1) return ApplyResult::kNeedKeyframe;
      merge(env.delta());
      break;
    default:
      return ApplyResult::kIgnored;
  }
  seq_ = env.seq();
  updated_us_ = env.timestamp_us();
  cached_.reset();
  return ApplyResult::kApplied;
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

ApplyResult FleetModel::apply(const Envelope& env) {
  if (env.body_case() == Envelope::kKeyframe) return nodes_[env.node()].apply(env);
  auto it = nodes_.find(env.node());
  if (it == nodes_.end()) {
    return env.body_case() == Envelope::kDelta ? ApplyResult::kNeedKeyframe : ApplyResult::kIgnored;
  }
  return it->second.apply(env);
}

const NodeModel* FleetModel::find(const std::string& node) const {
  auto it = nodes_.find(node);
  return it == nodes_.end() ? nullptr : &it->second;
}

}  // namespace beamscope::protocol
