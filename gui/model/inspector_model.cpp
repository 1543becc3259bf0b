// The inspector's data model; see inspector_model.hpp.
#include "inspector_model.hpp"

#include <set>
#include <string_view>
#include <utility>

namespace beamscope::gui {

InspectorModel::InspectorModel(std::vector<std::string> endpoints) : endpoints_(std::move(endpoints)) {}

bool InspectorModel::update(std::size_t source, const std::vector<std::shared_ptr<const v1::Keyframe>>& snapshots,
                            std::int64_t now_us) {
  bool changed = false;
  std::set<std::string_view> present;
  for (const auto& kf : snapshots) {
    if (!kf) continue;
    const std::string& name = kf->info().node();
    present.insert(name);
    auto [it, inserted] = nodes_.try_emplace(name);
    NodeView& n = it->second;
    if (inserted) {
      n.name = name;
      n.source = source;
      if (selected_.empty() || name == preferred_) selected_ = name;
    }
    if (n.latest == kf) continue;  // nothing new from this node
    n.gone_at_us = 0;
    n.latest = kf;
    n.source = source;
    n.table.set_data(kf);
    n.tree.set_data(kf, monotonic_s());
    n.events.set_data(kf);
    n.alerts.set_data(kf);
    // A selected tree entry is a role ("the crasher"): after a restart the
    // detail follows its new process, not the dead pid.
    if (name == selected_) follow_tree_entry(n);
    if (n.history.ingest(*kf)) track_selected(n);
    if (auto h = pending_histories_.find(name); h != pending_histories_.end()) {
      n.history.backfill(h->second);
      pending_histories_.erase(h);
    }
    changed = true;
  }
  for (auto& [name, n] : nodes_) {
    if (n.source != source || n.gone_at_us != 0 || present.count(name)) continue;
    n.gone_at_us = now_us;
    changed = true;
  }
  return changed;
}

void InspectorModel::node_left(const std::string& node, const std::string& reason) {
  if (auto it = nodes_.find(node); it != nodes_.end()) it->second.gone_reason = reason;
}

void InspectorModel::follow_tree_entry(NodeView& n) {
  const v1::TreeNode* e = n.tree.selected();
  if (e && !e->pid().empty() && e->pid() != n.table.selected_pid()) select_in_table(n, e->pid());
}

MailboxReading InspectorModel::selection_mailbox(double now_s, std::int64_t now_us) {
  NodeView* n = selected();
  if (!n) return {};
  const v1::TreeNode* e = n->tree.selected();
  std::int64_t read_at = 0;
  bool paged = false;
  if (e) {
    const int i = n->tree.find(e->id());
    paged = n->tree.from_page(i);
    if (paged) {
      // Pages are timed on this viewer's clock: convert to unix time.
      const int sup = n->tree.parent(i);
      const PagerState* st = sup >= 0 ? n->pager.find(n->tree.node(sup).id()) : nullptr;
      if (st && st->page) read_at = now_us - static_cast<std::int64_t>((now_s - st->page_at) * 1e6);
    } else if (n->latest) {
      read_at = n->latest->tree_stats().walked_at_us();
    }
  }
  return mailbox_reading(n->table.selection(), e, read_at, paged);
}

void InspectorModel::receive_history(const std::string& node, const v1::History& history) {
  if (auto it = nodes_.find(node); it != nodes_.end()) {
    it->second.history.backfill(history);
    return;
  }
  if (pending_histories_.size() < kMaxPendingHistories || pending_histories_.count(node))
    pending_histories_[node] = history;
}

void InspectorModel::track_selected(NodeView& n) {
  const auto sel = n.table.selection();
  if (n.tracked_pid != n.table.selected_pid()) {
    n.tracked_pid = n.table.selected_pid();
    n.selected_mailbox.clear();
  }
  // Only real samples go in the growth chart, not the copy kept after the
  // process left the hot set.
  if (sel.sample && sel.in_hot_set) n.selected_mailbox.push(static_cast<float>(sel.sample->message_queue_len()));
}

NodeView* InspectorModel::selected() {
  auto it = nodes_.find(selected_);
  return it == nodes_.end() ? nullptr : &it->second;
}

void InspectorModel::select_node(const std::string& name) {
  if (nodes_.count(name) != 0) selected_ = name;
}

void InspectorModel::prefer_node(const std::string& name) {
  preferred_ = name;
  select_node(name);
}

void InspectorModel::select_process(const std::string& pid) {
  NodeView* n = selected();
  if (!n) return;
  if (!n->tree.reveal_pid(pid)) n->tree.clear_selection();
  select_in_table(*n, pid);
}

void InspectorModel::select_tree_entry(const std::string& id) {
  NodeView* n = selected();
  if (!n) return;
  n->tree.select(id);
  const v1::TreeNode* e = n->tree.selected();
  select_in_table(*n, e ? e->pid() : std::string());
}

void InspectorModel::select_in_table(NodeView& n, const std::string& pid) {
  if (n.table.selected_pid() == pid) return;
  n.table.select(pid);
  n.tracked_pid = pid;
  n.selected_mailbox.clear();
  const auto sel = n.table.selection();
  if (sel.sample && sel.in_hot_set) n.selected_mailbox.push(static_cast<float>(sel.sample->message_queue_len()));
}

std::vector<PageRequest> InspectorModel::page_requests(double now_s) {
  std::vector<PageRequest> out;
  NodeView* n = selected();
  if (!n || replay_.active) return out;
  for (const TreeRow& r : n->tree.rows()) {
    if (r.kind != TreeRow::Kind::kPager) continue;
    const auto& sup = n->tree.node(r.node);
    if (auto req = n->pager.poll(sup.id(), sup.children_total(), now_s)) out.push_back({n->source, n->name, *req});
    // Shown from the next frame on (marks the rows for a rebuild, not now).
    const PagerState* st = n->pager.find(sup.id());
    n->tree.set_pager_problem(sup.id(), st && !st->error.empty());
  }
  return out;
}

void InspectorModel::receive_page(const std::string& node, const v1::ChildrenPage& page, double now_s) {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return;
  NodeView& n = it->second;
  if (!n.pager.receive(page, now_s) || !page.error().empty()) return;
  // The page shown under the supervisor is the latest with children.
  n.tree.set_page(page.supervisor_id(), n.pager.find(page.supervisor_id())->page, now_s);
}

std::optional<DetailRequest> InspectorModel::detail_request(double now_s, bool detail_shown) {
  NodeView* n = selected();
  // A node that left, or a recording, has no agent to ask; the last answer stays shown.
  if (!n || n->gone_at_us || replay_.active) return std::nullopt;
  const std::string pid = detail_shown ? n->table.selected_pid() : std::string();
  auto req = n->inquiry.poll(pid, now_s);
  if (!req) return std::nullopt;
  return DetailRequest{n->source, n->name, std::move(*req)};
}

void InspectorModel::receive_detail(const std::string& node, const v1::ProcessDetail& detail, double now_s) {
  if (auto it = nodes_.find(node); it != nodes_.end()) it->second.inquiry.receive(detail, now_s);
}

std::optional<ProcessesPageRequest> InspectorModel::processes_request(double now_s) {
  NodeView* n = selected();
  if (!n || n->gone_at_us || replay_.active) return std::nullopt;  // its last page stays shown
  auto req = n->pages.poll(now_s);
  if (!req) return std::nullopt;
  return ProcessesPageRequest{n->source, n->name, std::move(*req)};
}

void InspectorModel::receive_processes_page(const std::string& node, const v1::ProcessesPage& page,
                                            double now_s) {
  if (auto it = nodes_.find(node); it != nodes_.end()) it->second.pages.receive(page, now_s);
}

void InspectorModel::press_action(ProcessAction action, double now_s) {
  NodeView* n = selected();
  if (!n || n->gone_at_us || replay_.active || n->table.selected_pid().empty()) return;
  if (auto req = n->actions.press(action, n->table.selected_pid(), now_s))
    pending_action_ = ActionOrder{n->source, n->name, std::move(*req)};
}

std::optional<ActionOrder> InspectorModel::take_action() { return std::exchange(pending_action_, std::nullopt); }

void InspectorModel::receive_action_result(const std::string& node, const v1::ActionResult& result, double now_s) {
  if (auto it = nodes_.find(node); it != nodes_.end()) it->second.actions.receive(result, now_s);
}

std::string InspectorModel::waiting_text() const {
  if (replay_.active && replay_.from_collector)
    return replay_.file + (replay_.note.empty() ? ": asking for the node at this time" : ": " + replay_.note);
  if (replay_.active) return replay_.file + ": no node has a state at this time yet";
  std::string list;
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    if (i != 0) list += ", ";
    list += endpoints_[i];
  }
  return "Waiting for " + list + " \xE2\x80\x94 no agent answering yet";
}

}  // namespace beamscope::gui
