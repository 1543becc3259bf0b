// The past of a live node in the inspector; see past_session.hpp.
#include "past_session.hpp"

#include <cstdio>

#include "beamscope/recording/time_arg.hpp"
#include "clock.hpp"

namespace beamscope::gui {

InspectorModel& PastSession::step(InspectorModel& live, StateInbox& answers,
                                  const std::vector<std::unique_ptr<transport::StreamClient>>& clients) {
  const double now = monotonic_s();
  if (!past_model_)
    if (const NodeView* n = live.selected()) past_.follow(n->source, live.selected_name());
  for (auto& [node, answer] : answers.take()) past_.receive(node, answer, now);
  if (auto req = past_.request(now); req && req->source < clients.size()) {
    protocol::Envelope env;
    env.set_node(req->node);
    *env.mutable_history_request() = std::move(req->request);
    clients[req->source]->request(std::move(env));
  }
  if (!past_model_) {
    ReplayControl& bar = live.replay();
    past_.offer(bar);
    std::optional<std::int64_t> go;
    if (bar.seek_us) {
      go = *bar.seek_us;
      bar.seek_us.reset();
    } else if (!pending_at_.empty() && bar.past_offered) {
      std::string error;
      go = recording::parse_time_arg(pending_at_, bar.first_us, bar.last_us, error);
      if (!go) std::fprintf(stderr, "beamscope: --at: %s\n", error.c_str());
      pending_at_.clear();
    }
    if (!pending_at_.empty() && past_.span_known() && !bar.past_offered) {
      std::fprintf(stderr, "beamscope: --at: no past of %s there: %s\n", past_.node().c_str(),
                   past_.note().empty() ? "the collector recorded too little yet" : past_.note().c_str());
      pending_at_.clear();
    }
    if (go) enter(live, *go);
  }
  if (!past_model_) return live;

  ReplayControl& bar = past_model_->replay();
  // Another node picked back in time: its charts are asked for.
  if (!past_model_->selected_name().empty()) past_.focus(past_model_->selected_name());
  if (past_.update(bar, now)) past_model_->update(0, past_.snapshots(), past_.at_us());
  for (auto& [node, history] : past_.take_histories()) past_model_->receive_history(node, history);
  // The live selection, once its node is shown at that time.
  if (NodeView* n = past_model_->selected(); n && (!select_id_.empty() || !select_pid_.empty())) {
    if (!select_id_.empty()) past_model_->select_tree_entry(select_id_);
    else past_model_->select_process(select_pid_);
    select_id_.clear();
    select_pid_.clear();
  }
  if (bar.back_to_live) {
    past_.leave();
    past_model_.reset();
    return live;
  }
  return *past_model_;
}

void PastSession::enter(InspectorModel& live, std::int64_t t_us) {
  const std::string& endpoint = live.endpoints().at(past_.source());
  past_model_ = std::make_unique<InspectorModel>(std::vector<std::string>{"collector " + endpoint});
  past_model_->prefer_node(past_.node());
  past_.enter(t_us, past_model_->replay());
  past_model_->replay().file = "collector " + endpoint;
  select_id_.clear();
  select_pid_.clear();
  if (const NodeView* n = live.selected()) {
    select_id_ = n->tree.selected_id();
    if (select_id_.empty()) select_pid_ = n->table.selected_pid();
  }
}

}  // namespace beamscope::gui
