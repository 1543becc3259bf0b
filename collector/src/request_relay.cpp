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

}  // namespace beamscope::collector
