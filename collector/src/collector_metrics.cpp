// beamscope_collector_* families (see collector_metrics.hpp).
#include "beamscope/collector/collector_metrics.hpp"

#include <algorithm>

#include "beamscope/exporters/family_set.hpp"

namespace beamscope::collector {

namespace {

using exporters::MetricSpec;
using prometheus::MetricType;

constexpr MetricSpec kReceived{"beamscope_collector_frames_received_total",
                               "Frames received from an agent that decoded.", MetricType::Counter};
constexpr MetricSpec kRejected{"beamscope_collector_frames_rejected_total",
                               "Frames received from an agent and dropped, by reason: too_large, malformed, "
                               "wrong_version (another major version), out_of_bounds, no_body.",
                               MetricType::Counter};
constexpr MetricSpec kForwarded{"beamscope_collector_frames_forwarded_total",
                                "Keyframes and deltas of an agent forwarded to viewers.", MetricType::Counter};
constexpr MetricSpec kResyncs{"beamscope_collector_resyncs_total",
                              "Sequence gaps on an agent link that made the collector ask for a keyframe.",
                              MetricType::Counter};
constexpr MetricSpec kAgentUp{"beamscope_collector_agent_connected",
                              "1 when the collector heard from the agent recently, else 0.", MetricType::Gauge};
constexpr MetricSpec kAgentsConnected{"beamscope_collector_agents_connected",
                                      "Agents the collector heard from recently.", MetricType::Gauge};
constexpr MetricSpec kNodes{"beamscope_collector_nodes", "Nodes the collector currently serves.", MetricType::Gauge};
constexpr MetricSpec kViewers{"beamscope_collector_viewers", "Viewers streaming from the collector.",
                              MetricType::Gauge};
constexpr MetricSpec kSent{"beamscope_collector_frames_sent_total", "Frames handed to viewers.", MetricType::Counter};
constexpr MetricSpec kDropped{"beamscope_collector_frames_dropped_total",
                              "Frames not delivered to viewers (queue full or viewer too slow).", MetricType::Counter};
constexpr MetricSpec kViewerRejected{"beamscope_collector_viewer_frames_rejected_total",
                                     "Frames received from viewers and dropped as malformed or oversize.",
                                     MetricType::Counter};
constexpr MetricSpec kConflicts{"beamscope_collector_node_conflicts_total",
                                "Frames ignored because another agent already serves the same node name.",
                                MetricType::Counter};

constexpr MetricSpec kAgentRefused{"beamscope_collector_agent_refused",
                                   "1 when the agent refuses the collector's CURVE handshake (key not authorized, "
                                   "wrong server key, plaintext vs CURVE), else 0.",
                                   MetricType::Gauge};
constexpr MetricSpec kViewerAuthFailures{"beamscope_collector_viewer_auth_failures_total",
                                         "Viewers refused by the collector's CURVE stream: reason unauthorized_key "
                                         "or handshake (plaintext viewer, wrong server key).",
                                         MetricType::Counter};

constexpr MetricSpec kViewerRefusals{"beamscope_collector_stream_rejected_total",
                                     "Messages and viewers the collector's stream refused, by reason (bad_frame, "
                                     "too_large, hello_rate, too_many_viewers, unknown_request, silent, slow_viewer, "
                                     "misbehaving).",
                                     MetricType::Counter};

constexpr MetricSpec kRequests{"beamscope_collector_requests_total",
                               "Viewer requests (children and process pages, process detail, actions) by outcome: relayed (an agent answered) or failed "
                               "(unknown node, busy, agent timeout).",
                               MetricType::Counter};

constexpr MetricSpec kCut{"beamscope_collector_state_cut_total",
                          "Entries an agent sent that the collector did not keep, by reason: processes and "
                          "tree_entries (new ones past the per-node cap, counted per frame), events (older ones "
                          "pushed out of the per-node ring by a delta), nodes (frames of nodes past the node cap).",
                          MetricType::Counter};
constexpr MetricSpec kLimit{"beamscope_collector_state_limit",
                            "What the collector keeps: nodes in all; processes, tree_entries and events per node.",
                            MetricType::Gauge};

constexpr MetricSpec kHistoryBytes{"beamscope_collector_history_bytes",
                                   "Memory held by every node's history (ticks at 1 s, minutes, events, "
                                   "alert and tree change logs).",
                                   MetricType::Gauge};
constexpr MetricSpec kMemoryLimit{"beamscope_collector_memory_limit_bytes",
                                  "--memory-limit: the history's memory, every node together.", MetricType::Gauge};
constexpr MetricSpec kHistoryDropped{"beamscope_collector_history_dropped_total",
                                     "History dropped before its time, by kind: ticks, minutes (the memory limit, "
                                     "oldest first), events, alerts, tree_changes (the memory limit or the "
                                     "per-node bound).",
                                     MetricType::Counter};
constexpr MetricSpec kHistoryBackfilled{"beamscope_collector_history_backfilled_total",
                                        "Ticks taken from the History an agent sends after its keyframe (its past "
                                        "before the collector connected).",
                                        MetricType::Counter};
constexpr MetricSpec kHistoryClockHeld{"beamscope_collector_history_clock_held_total",
                                       "Ticks whose wall clock went back, kept at the node's last time.",
                                       MetricType::Counter};
constexpr MetricSpec kPastStates{"beamscope_collector_past_states_total",
                                 "Viewers' requests for a node's state at a time, answered from --record's file, by "
                                 "outcome: answered, refused (no such node then, before the recording, nothing "
                                 "recorded yet), busy (8 already waited) or dropped (the viewers' queue had no room "
                                 "for 2 s).",
                                 MetricType::Counter};

constexpr MetricSpec kDialInAgents{"beamscope_collector_dialin_agents",
                                   "Agents dialled in to --agents-listen now.", MetricType::Gauge};
constexpr MetricSpec kDialInAgentsTotal{"beamscope_collector_dialin_agents_total",
                                        "Agents let in on --agents-listen since the start.", MetricType::Counter};
constexpr MetricSpec kDialInAnnounces{"beamscope_collector_dialin_announces_total",
                                      "Announce frames received on --agents-listen.", MetricType::Counter};
constexpr MetricSpec kDialInFrames{"beamscope_collector_dialin_frames_total",
                                   "Frames relayed between dialled-in agents and their links, by direction: in "
                                   "(from the agent) or out (to the agent).",
                                   MetricType::Counter};
constexpr MetricSpec kDialInRejected{"beamscope_collector_dialin_rejected_total",
                                     "Messages dropped and connections closed on --agents-listen, by reason: "
                                     "not_announced (a connection's first message was no Announce), too_many_agents, "
                                     "bad_frame, queue_full; no_announce (a connection not let in by an Announce "
                                     "within 3 s, closed), too_many_unannounced (past 64 connections waiting to "
                                     "announce, the oldest closed).",
                                     MetricType::Counter};
constexpr MetricSpec kDialInConnections{"beamscope_collector_dialin_connections",
                                        "Connections open on --agents-listen now, by state: announced (an agent's) "
                                        "or unannounced (waiting for its Announce).",
                                        MetricType::Gauge};
constexpr MetricSpec kDialInAuthFailures{"beamscope_collector_dialin_auth_failures_total",
                                         "Agents refused on --agents-listen because their key is not in "
                                         "--agents-authorized-keys.",
                                         MetricType::Counter};

constexpr MetricSpec kDiscovered{"beamscope_collector_discovered_agents",
                                 "Agents followed because a node reported them as a cluster peer (--discover).",
                                 MetricType::Gauge};
constexpr MetricSpec kDiscoveredTotal{"beamscope_collector_discovered_agents_total",
                                      "Agents discovery started following since the start.", MetricType::Counter};
constexpr MetricSpec kDiscoveryForgotten{"beamscope_collector_discovery_forgotten_total",
                                         "Discovered agents no longer followed: no node reported them for a while "
                                         "and their link served no node.",
                                         MetricType::Counter};
constexpr MetricSpec kDiscoverySkipped{"beamscope_collector_discovery_skipped_total",
                                       "Reported cluster peers not followed, each counted once while reported, by "
                                       "reason: cap (--max-discovered), no_endpoint (it only dials out), "
                                       "bad_endpoint, bad_key.",
                                       MetricType::Counter};

double d(std::uint64_t v) { return static_cast<double>(v); }

class CollectorCollectable final : public prometheus::Collectable {
 public:
  CollectorCollectable(const FanIn& fan, const transport::DialInListener* dialin) : fan_(fan), dialin_(dialin) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    const auto stats = fan_.stats();
    exporters::FamilySet set;
    exporters::NodeScope scope(set, {});
    std::uint64_t connected = 0;
    for (const auto& a : stats.agents) {
      const exporters::Label agent{"agent", exporters::label_value(a.endpoint)};
      scope.counter(kReceived, d(a.frames_received), {agent});
      for (std::size_t i = 0; i < protocol::kDecodeErrorKinds; ++i) {
        const auto reason = static_cast<protocol::DecodeError>(i);
        scope.counter(kRejected, d(a.rejects[reason]), {agent, {"reason", protocol::to_string(reason)}});
      }
      scope.counter(kForwarded, d(a.frames_forwarded), {agent});
      scope.counter(kResyncs, d(a.resyncs), {agent});
      scope.gauge(kAgentUp, a.connected ? 1 : 0, {agent});
      scope.gauge(kAgentRefused, a.refused.empty() ? 0 : 1, {agent});
      for (std::size_t i = 0; i < protocol::kCutKinds; ++i) {
        const auto reason = static_cast<protocol::Cut>(i);
        scope.counter(kCut, d(a.cut[reason]), {agent, {"reason", protocol::to_string(reason)}});
      }
      connected += a.connected;
    }
    scope.gauge(kAgentsConnected, d(connected));
    scope.gauge(kLimit, d(stats.limits.max_nodes), {{"limit", "nodes"}});
    scope.gauge(kLimit, d(stats.limits.max_processes), {{"limit", "processes"}});
    scope.gauge(kLimit, d(stats.limits.max_tree_entries), {{"limit", "tree_entries"}});
    scope.gauge(kLimit, d(stats.limits.max_events), {{"limit", "events"}});
    scope.gauge(kNodes, d(fan_.snapshots().size()));
    scope.gauge(kViewers, stats.server.viewers);
    scope.counter(kSent, d(stats.server.frames_sent));
    // publish() failures are already in the server's dropped count.
    scope.counter(kDropped, d(stats.server.frames_dropped));
    scope.counter(kViewerRejected, d(stats.server.frames_rejected));
    scope.counter(kConflicts, d(stats.node_conflicts));
    scope.counter(kViewerAuthFailures, d(stats.server.auth_refused), {{"reason", "unauthorized_key"}});
    scope.counter(kViewerAuthFailures, d(stats.server.handshake_failed), {{"reason", "handshake"}});
    for (std::size_t i = 0; i < transport::kRejectionKinds; ++i)
      scope.counter(kViewerRefusals, d(stats.server.rejected[i]),
                    {{"reason", transport::to_string(static_cast<transport::Rejection>(i))}});
    scope.counter(kRequests, d(stats.requests_relayed), {{"outcome", "relayed"}});
    scope.counter(kRequests, d(stats.requests_failed), {{"outcome", "failed"}});
    if (const auto& h = stats.history) {
      scope.gauge(kHistoryBytes, d(h->bytes));
      scope.gauge(kMemoryLimit, d(h->memory_limit));
      for (std::size_t i = 0; i < kHistoryDropKinds; ++i)
        scope.counter(kHistoryDropped, d(h->dropped[i]), {{"kind", to_string(static_cast<HistoryDrop>(i))}});
      scope.counter(kHistoryBackfilled, d(h->backfilled));
      scope.counter(kHistoryClockHeld, d(h->clock_held));
    }
    if (const auto& p = stats.past) {
      scope.counter(kPastStates, d(p->answered), {{"outcome", "answered"}});
      scope.counter(kPastStates, d(p->refused), {{"outcome", "refused"}});
      scope.counter(kPastStates, d(p->busy), {{"outcome", "busy"}});
      scope.counter(kPastStates, d(p->dropped), {{"outcome", "dropped"}});
    }
    if (dialin_) collect_dialin(scope);
    return set.take();
  }

 private:
  void collect_dialin(exporters::NodeScope& scope) const {
    const auto s = dialin_->stats();
    scope.gauge(kDialInAgents, d(s.agents));
    scope.counter(kDialInAgentsTotal, d(s.agents_ever));
    scope.counter(kDialInAnnounces, d(s.announces));
    scope.counter(kDialInFrames, d(s.frames_in), {{"direction", "in"}});
    scope.counter(kDialInFrames, d(s.frames_out), {{"direction", "out"}});
    for (std::size_t i = 0; i < transport::kDialInRejectionKinds; ++i)
      scope.counter(kDialInRejected, d(s.rejected[i]),
                    {{"reason", transport::to_string(static_cast<transport::DialInRejection>(i))}});
    scope.counter(kDialInAuthFailures, d(s.auth_refused), {{"reason", "unauthorized_key"}});
    scope.gauge(kDialInConnections, d(s.connections - std::min(s.connections, s.unannounced)), {{"state", "announced"}});
    scope.gauge(kDialInConnections, d(s.unannounced), {{"state", "unannounced"}});
  }

  const FanIn& fan_;
  const transport::DialInListener* dialin_;
};

class DiscoveryCollectable final : public prometheus::Collectable {
 public:
  explicit DiscoveryCollectable(const Discovery& discovery) : discovery_(discovery) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    const auto s = discovery_.stats();
    exporters::FamilySet set;
    exporters::NodeScope scope(set, {});
    scope.gauge(kDiscovered, d(s.discovered));
    scope.counter(kDiscoveredTotal, d(s.added_total));
    scope.counter(kDiscoveryForgotten, d(s.forgotten_total));
    for (std::size_t i = 0; i < kDiscoverySkipKinds; ++i)
      scope.counter(kDiscoverySkipped, d(s.skipped[i]), {{"reason", to_string(static_cast<DiscoverySkip>(i))}});
    return set.take();
  }

 private:
  const Discovery& discovery_;
};

}  // namespace

std::shared_ptr<prometheus::Collectable> make_discovery_collectable(const Discovery& discovery) {
  return std::make_shared<DiscoveryCollectable>(discovery);
}

std::shared_ptr<prometheus::Collectable> make_collector_collectable(const FanIn& fan,
                                                                    const transport::DialInListener* dialin) {
  return std::make_shared<CollectorCollectable>(fan, dialin);
}

}  // namespace beamscope::collector
