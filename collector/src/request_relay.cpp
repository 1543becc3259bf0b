#include "request_relay.hpp"

namespace beamscope::collector {

std::optional<std::uint64_t> RequestRelay::admit(Pending pending, Clock::time_point now) {
  if (pending_.size() >= capacity_) return std::nullopt;
  pending.deadline = now + timeout_;
  const std::uint64_t id = next_id_++;
  pending_.emplace(id, std::move(pending));
  return id;
}

std::optional<RequestRelay::Pending> RequestRelay::complete(std::uint64_t relay_id) {
  auto it = pending_.find(relay_id);
  if (it == pending_.end()) return std::nullopt;
  Pending out = std::move(it->second);
  pending_.erase(it);
  return out;
}

std::vector<RequestRelay::Pending> RequestRelay::expire(Clock::time_point now) {
  std::vector<Pending> out;
  // Every request gets the same timeout, so deadlines grow with ids.
  for (auto it = pending_.begin(); it != pending_.end() && it->second.deadline <= now;) {
    out.push_back(std::move(it->second));
    it = pending_.erase(it);
  }
  return out;
}

protocol::Envelope error_answer(const protocol::Envelope& request, const std::string& why) {
  const auto& ask = request.children_request();
  protocol::Envelope answer;
  answer.set_node(request.node());
  auto* page = answer.mutable_children_page();
  page->set_request_id(ask.request_id());
  page->set_supervisor_id(ask.supervisor_id());
  page->set_offset(ask.offset());
  page->set_order(ask.order());
  page->set_error(why);
  return answer;
}

RelayedRequest relay_request(RequestRelay& relay, const std::string& viewer, const protocol::Envelope& request,
                             bool served, RequestRelay::Clock::time_point now) {
  RelayedRequest out;
  if (!served) {
    out.to_viewer = error_answer(request, "node " + request.node() + " is not served by this collector");
    return out;
  }
  const auto& ask = request.children_request();
  out.relay_id = relay.admit(
      {.viewer = viewer, .viewer_id = ask.request_id(), .node = request.node(), .supervisor_id = ask.supervisor_id()},
      now);
  if (!out.relay_id) {
    out.to_viewer = error_answer(request, "collector busy: too many requests waiting for agents");
    return out;
  }
  out.to_agent = request;
  out.to_agent->mutable_children_request()->set_request_id(*out.relay_id);
  return out;
}

std::optional<ViewerFrame> relay_answer(RequestRelay& relay, const protocol::Envelope& answer) {
  auto pending = relay.complete(answer.children_page().request_id());
  if (!pending) return std::nullopt;
  ViewerFrame out{.viewer = std::move(pending->viewer), .frame = answer};
  out.frame.mutable_children_page()->set_request_id(pending->viewer_id);
  return out;
}

std::vector<ViewerFrame> expired_answers(RequestRelay& relay, RequestRelay::Clock::time_point now) {
  std::vector<ViewerFrame> out;
  for (auto& p : relay.expire(now)) {
    protocol::Envelope request;
    request.set_node(p.node);
    request.mutable_children_request()->set_request_id(p.viewer_id);
    request.mutable_children_request()->set_supervisor_id(p.supervisor_id);
    out.push_back({.viewer = std::move(p.viewer),
                   .frame = error_answer(request, "the agent of " + p.node + " did not answer within " +
                                                      std::to_string(relay.timeout().count()) + " ms")});
  }
  return out;
}

}  // namespace beamscope::collector
