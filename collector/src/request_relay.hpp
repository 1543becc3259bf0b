// Requests the collector relays from viewers to agents (children pages):
// each gets a collector-wide id, so answers from different agents, or to
// different viewers that chose the same id, never mix. Bounded in number
// and in time; not thread-safe (FanIn guards it).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace beamscope::collector {

class RequestRelay {
 public:
  using Clock = std::chrono::steady_clock;

  struct Pending {
    std::string viewer;          ///< ZeroMQ identity of the asking viewer
    std::uint64_t viewer_id = 0; ///< the request_id the viewer chose
    std::string node;
    std::string supervisor_id;
    Clock::time_point deadline{};
  };

  RequestRelay(std::size_t capacity, std::chrono::milliseconds timeout) : capacity_(capacity), timeout_(timeout) {}

  /// The relay id to send to the agent, or nullopt when `capacity` requests
  /// are already waiting.
  std::optional<std::uint64_t> admit(Pending pending, Clock::time_point now);

  /// The request an agent's answer belongs to, forgotten once returned;
  /// nullopt for an unknown or expired id.
  std::optional<Pending> complete(std::uint64_t relay_id);

  /// Requests past their deadline, forgotten once returned.
  std::vector<Pending> expire(Clock::time_point now);

  std::size_t waiting() const { return pending_.size(); }
  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  std::size_t capacity_;
  std::chrono::milliseconds timeout_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Pending> pending_;  // ids grow: oldest first
};

}  // namespace beamscope::collector
