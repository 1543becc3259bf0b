// Requests the collector relays from viewers to agents (children and
// process pages, process detail, actions: protocol/requests.hpp):
// each gets a collector-wide id, so answers from different agents, or to
// different viewers that chose the same id, never mix. Bounded in number
// and in time; not thread-safe (FanIn guards it). The functions below the
// class are the relay's whole decision, frames in and frames out, without
// sockets: FanIn calls them, and so does the fuzz target (tests/fuzz).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "beamscope/protocol/framing.hpp"

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
    /// The viewer's request as it came (its own id): what a late answer names.
    protocol::Envelope request{};
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

/// A frame for one viewer (its ZeroMQ identity).
struct ViewerFrame {
  std::string viewer;
  protocol::Envelope frame;
};

/// What to do with a viewer's request: send `to_agent` (the
/// request under its relay id) to the agent serving the node, or else
/// answer `to_viewer` (an error page) at once.
struct RelayedRequest {
  std::optional<std::uint64_t> relay_id;
  std::optional<protocol::Envelope> to_agent;
  std::optional<protocol::Envelope> to_viewer;
};

/// The collector's own answer to a request it cannot relay: an empty page
/// (detail, result) with the viewer's request id and `why`.
protocol::Envelope error_answer(const protocol::Envelope& request, const std::string& why);

/// Admits `request` (protocol::is_request, for request.node()) from
/// `viewer`; `served`: some agent link serves that node. `viewer_key`: the
/// viewer's CURVE key ("" plaintext), passed on in an ActionRequest's
/// relayed_for so the agent's log names who asked.
RelayedRequest relay_request(RequestRelay& relay, const std::string& viewer, const protocol::Envelope& request,
                             bool served, RequestRelay::Clock::time_point now, const std::string& viewer_key = "");

/// An agent's answer (protocol::is_answer): the viewer that asked and the page under its
/// own request id, or nullopt when late or not ours.
std::optional<ViewerFrame> relay_answer(RequestRelay& relay, const protocol::Envelope& answer);

/// Error answers for the requests past their deadline.
std::vector<ViewerFrame> expired_answers(RequestRelay& relay, RequestRelay::Clock::time_point now);

}  // namespace beamscope::collector
