// The past of a live node from its collector; see collector_past.hpp.
#include "collector_past.hpp"

#include <algorithm>

namespace beamscope::gui {

void CollectorPast::follow(std::size_t source, const std::string& node) {
  if (source == source_ && node == node_) return;
  source_ = source;
  node_ = node;
  recorded_ = span_known_ = false;
  first_us_ = last_us_ = 0;
  span_asked_s_ = -1e9;
  asked_ = 0;
  arriving_.clear();
  note_.clear();
}

void CollectorPast::offer(ReplayControl& live) const {
  live.past_offered = recorded_ && !showing_ && last_us_ > first_us_;
  live.first_us = first_us_;
  live.last_us = last_us_;
  live.at_us = last_us_;  // live is the present: the slider's end
}

void CollectorPast::enter(std::int64_t t_us, ReplayControl& control) {
  showing_ = true;
  target_us_ = std::clamp(t_us, first_us_, last_us_);
  at_us_ = 0;
  snapshots_.clear();
  histories_.clear();
  note_.clear();
  was_playing_ = false;
  control = ReplayControl{};
  control.active = true;
  control.from_collector = true;
  control.first_us = first_us_;
  control.last_us = last_us_;
  control.at_us = target_us_;
}

void CollectorPast::leave() {
  showing_ = false;
  snapshots_.clear();
  histories_.clear();
  asked_ = 0;
  span_asked_s_ = -1e9;  // the span grew meanwhile
}

void CollectorPast::focus(const std::string& node) {
  if (!showing_ || node.empty() || node == node_) return;
  node_ = node;
  at_us_ = 0;  // not shown with its charts yet
  asked_ = 0;  // an answer still coming carries the other node's charts
}

std::optional<StateRequest> CollectorPast::ask(std::int64_t t_us, bool span_only, double now_s) {
  StateRequest out;
  out.source = source_;
  out.node = node_;
  out.request.set_request_id(next_id_);
  out.request.set_log(v1::HistoryRequest::STATE);
  out.request.set_to_us(t_us);
  out.request.set_span_only(span_only);
  out.request.set_every_node(!span_only);  // the whole fleet back in time, not the shown node alone
  asked_ = next_id_++;
  arriving_.clear();
  arriving_histories_.clear();
  arriving_note_.clear();
  asked_span_ = span_only;
  asked_us_ = t_us;
  asked_s_ = now_s;
  if (span_only) span_asked_s_ = now_s;
  return out;
}

std::optional<StateRequest> CollectorPast::request(double now_s) {
  if (node_.empty()) return std::nullopt;
  // A lost answer (a collector restarted, a dropped frame) is asked again.
  if (asked_ && now_s - asked_s_ < kAnswerTimeoutS) return std::nullopt;
  asked_ = 0;
  if (!showing_) {
    if (now_s - span_asked_s_ < (span_known_ && !recorded_ ? kUnrecordedEveryS : kSpanEveryS)) return std::nullopt;
    return ask(0, /*span_only=*/true, now_s);
  }
  if (target_us_ == at_us_) return std::nullopt;  // shown, or refused: until the bar moves
  if (now_s - asked_s_ < kMinGapS) return std::nullopt;
  return ask(target_us_, /*span_only=*/false, now_s);
}

void CollectorPast::receive(const std::string& node, const v1::HistoryAnswer& answer, double) {
  if (answer.request_id() != asked_ || asked_ == 0) return;
  // A server before 1.6 answers an unnamed series: it records nothing.
  if (answer.log() != v1::HistoryRequest::STATE) {
    if (node != node_) return;
    asked_ = 0;
    recorded_ = false;
    span_known_ = true;
    note_ = "the server keeps no past states (protocol before 1.6)";
    return;
  }
  if (answer.newest_us() > 0) {
    first_us_ = answer.oldest_us();
    last_us_ = std::max(last_us_, answer.newest_us());
  }
  if (asked_span_) {
    if (node == node_) receive_span(answer);
  } else {
    receive_state(node, answer);
  }
}

void CollectorPast::receive_span(const v1::HistoryAnswer& answer) {
  asked_ = 0;
  recorded_ = answer.error().empty();
  span_known_ = true;
  if (!recorded_) note_ = answer.error();
}

void CollectorPast::receive_state(const std::string& node, const v1::HistoryAnswer& answer) {
  // 0: a server before 1.7 answers the shown node alone, in one answer.
  const std::size_t expected = std::clamp<std::size_t>(answer.nodes(), 1, kMaxNodes);
  if (answer.nodes() == 0 && node != node_) return;
  const auto [slot, fresh] = arriving_.try_emplace(node);
  if (!fresh) return;  // said twice: the first stands
  if (answer.error().empty()) {
    slot->second = std::make_shared<const v1::Keyframe>(answer.state());
    if (answer.has_state_history()) arriving_histories_[node] = answer.state_history();
  } else if (arriving_note_.empty()) {
    arriving_note_ = expected > 1 ? node + ": " + answer.error() : answer.error();
  }
  if (arriving_.size() < expected) return;
  // All in: shown together, so the fleet is never half at one time and
  // half at another.
  asked_ = 0;
  at_us_ = asked_us_;  // asked: not again until the bar moves, even when refused
  note_ = std::move(arriving_note_);
  snapshots_.clear();
  for (auto& [name, state] : arriving_)
    if (state) snapshots_.push_back(std::move(state));
  histories_ = std::move(arriving_histories_);
  arriving_.clear();
  arriving_histories_.clear();
  arriving_note_.clear();
}

bool CollectorPast::update(ReplayControl& control, double now_s) {
  control.first_us = first_us_;
  control.last_us = last_us_;
  if (control.seek_us) {
    target_us_ = std::clamp(*control.seek_us, first_us_, last_us_);
    control.seek_us.reset();
    played_from_s_ = now_s;
    played_from_us_ = target_us_;
  }
  if (control.playing) {
    if (!was_playing_) {
      played_from_s_ = now_s;
      played_from_us_ = target_us_;
    }
    target_us_ = played_from_us_ + static_cast<std::int64_t>((now_s - played_from_s_) * 1e6);
    // Played up to the present: live again.
    if (target_us_ >= last_us_) control.back_to_live = true;
    target_us_ = std::min(target_us_, last_us_);
  }
  was_playing_ = control.playing;
  control.note = note_;
  // The bar shows the time asked for until its state comes.
  control.at_us = pending() ? target_us_ : at_us_;
  const bool changed = snapshots_ != shown_;
  shown_ = snapshots_;
  return changed;
}

}  // namespace beamscope::gui
