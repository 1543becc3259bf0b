#include "request_relay.hpp"

#include "beamscope/protocol/requests.hpp"

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
  return protocol::error_answer(request, why);
}

RelayedRequest relay_request(RequestRelay& relay, const std::string& viewer, const protocol::Envelope& request,
                             bool served, RequestRelay::Clock::time_point now, const std::string& viewer_key) {
  RelayedRequest out;
  if (!served) {
    out.to_viewer = error_answer(request, "node " + request.node() + " is not served by this collector");
    return out;
  }
  const std::string supervisor_id =
      request.has_children_request() ? request.children_request().supervisor_id() : std::string();
  out.relay_id = relay.admit({.viewer = viewer,
                              .viewer_id = protocol::request_id(request),
                              .node = request.node(),
                              .supervisor_id = supervisor_id,
                              .request = request},
                             now);
  if (!out.relay_id) {
    out.to_viewer = error_answer(request, "collector busy: too many requests waiting for agents");
    return out;
  }
  out.to_agent = request;
  protocol::set_request_id(*out.to_agent, *out.relay_id);
  // Who asked, for the agent's log (the agent sees the collector's key).
  if (out.to_agent->has_action_request()) out.to_agent->mutable_action_request()->set_relayed_for(viewer_key);
  return out;
}

std::optional<ViewerFrame> relay_answer(RequestRelay& relay, const protocol::Envelope& answer) {
  if (!protocol::is_answer(answer)) return std::nullopt;
  auto pending = relay.complete(protocol::request_id(answer));
  if (!pending) return std::nullopt;
  // Only the answer of the request's own kind is passed on.
  protocol::Envelope expected = pending->request;
  if (expected.body_case() != protocol::Envelope::BODY_NOT_SET) {
    protocol::set_request_id(expected, protocol::request_id(answer));
    if (!protocol::answers(expected, answer)) return std::nullopt;
  }
  ViewerFrame out{.viewer = std::move(pending->viewer), .frame = answer};
  protocol::set_request_id(out.frame, pending->viewer_id);
  return out;
}

std::vector<ViewerFrame> expired_answers(RequestRelay& relay, RequestRelay::Clock::time_point now) {
  std::vector<ViewerFrame> out;
  for (auto& p : relay.expire(now)) {
    protocol::Envelope request = p.request;
    if (request.body_case() == protocol::Envelope::BODY_NOT_SET) {
      request.mutable_children_request()->set_request_id(p.viewer_id);
      request.mutable_children_request()->set_supervisor_id(p.supervisor_id);
    }
    request.set_node(p.node);
    out.push_back({.viewer = std::move(p.viewer),
                   .frame = error_answer(request, "the agent of " + p.node + " did not answer within " +
                                                      std::to_string(relay.timeout().count()) + " ms")});
  }
  return out;
}

}  // namespace beamscope::collector
