// The alert rules and their vocabulary. The agent evaluates the rules once
// on every state it publishes and sends the result (Keyframe.alerts,
// Delta.alerts, since 1.3); ctl, the collector, /metrics and the GUI only
// read it, so every reader shows the same alerts with the same figures.
//
//   AlertRules rules({.mailbox_alarm = 10000});
//   *kf.mutable_alerts() = rules.evaluate(kf);   // once per state, in time order
//   for (const Alert& a : kf.alerts().active())
//     show(alert_kind_name(a.kind()), a.subject(), a.summary());
//
// What each kind means (value / limit / rate_per_s / seconds_to_limit):
//   mailbox_growing       the mailbox grew in each of the last 3 samples and
//                         holds >= 100 messages; clears after 3 samples
//                         without growth. value: messages, limit:
//                         mailbox_alarm, rate: messages/s, seconds_to_limit:
//                         the sample's seconds_to_threshold (computed once, in
//                         the agent's hot sampler). Critical under 60 s.
//   mailbox_long          mailbox >= mailbox_alarm. Critical.
//   restart_storm         >= 10 restarts of one supervisor's children in the
//                         last 10 s. value: restarts in the window, rate:
//                         restarts/s. Critical.
//   supervisor_intensity  restarts_in_period >= half the intensity (warning)
//                         or >= intensity (critical: one more restart inside
//                         the period and OTP stops the supervisor). value:
//                         restarts_in_period, limit: intensity.
//   long_gc, large_heap,  system_monitor events of that subject in the last
//   busy_port             60 s (busy_dist_port counts as busy_port). value:
//                         events, limit: 1. Warning.
//   process_limit, port_limit, atom_limit, ets_limit
//                         count >= 80% of the limit (critical >= 95%); clears
//                         under 75%. value: count, limit: the limit.
//   memory_growth         erlang:memory(total) grew >= 20% and >= 64 MiB over
//                         the last 5 minutes (at least 2 of them seen). value:
//                         bytes now, limit: bytes at the window's start,
//                         rate: bytes/s. Warning.
// Subjects: a pid for process kinds, a port for busy_port, a supervisor's
// TreeNode.id for restart kinds, "" for node-wide kinds. Alert.pid is the
// process to select for any of them ("" when none).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "beamscope.pb.h"
#include "beamscope/protocol/supervision.hpp"

namespace beamscope::protocol {

using v1::Alert;
using v1::Alerts;

/// Thresholds of the rules. The defaults are the agent's; only
/// mailbox_alarm comes from its settings (app env `mailbox_alarm`).
struct AlertSettings {
  std::uint64_t mailbox_alarm = 10000;
  std::uint32_t growing_samples = 3;         ///< consecutive samples with growth that raise mailbox_growing
  std::uint32_t calm_samples = 3;            ///< consecutive samples without growth that clear it
  std::uint64_t growing_min_messages = 100;  ///< smaller mailboxes come and go in ordinary work
  double critical_seconds = 60.0;            ///< mailbox_growing is critical when the alarm is closer
  std::int64_t storm_window_us = 10'000'000;
  std::uint64_t storm_restarts = 10;         ///< restarts of one supervisor's children in the window
  double intensity_near = kIntensityNear;    ///< share of the intensity used that warns
  std::int64_t monitor_window_us = 60'000'000;
  double limit_warning = 0.80;
  double limit_critical = 0.95;
  double limit_clear = 0.75;
  std::int64_t memory_window_us = 300'000'000;
  std::int64_t memory_min_span_us = 120'000'000;
  std::int64_t memory_sample_us = 10'000'000;
  double memory_growth_ratio = 0.20;
  std::uint64_t memory_growth_min_bytes = 64ull << 20;
  std::size_t max_per_kind = 16;             ///< subjects per kind, most pressing first; the rest count as omitted
};

/// The rules, with what they remember between states: mailbox streaks (per
/// hot process), restart counts in the storm window (per supervisor), the
/// memory history (one sample per memory_sample_us) and which limits are
/// raised. All of it is bounded by the state it was given and forgotten
/// for processes and supervisors that leave it. Not thread-safe.
class AlertRules {
 public:
  explicit AlertRules(const AlertSettings& settings = {}) : s_(settings) {}

  /// Alerts active in `kf`, the node's full state at kf.sampled_at_us()
  /// (hot set, gauges, tree, events): most severe first, at most
  /// limits::kMaxAlerts, the rest counted in `omitted`. Call once per
  /// state, in time order. Cost: O(hot set + tree + events).
  Alerts evaluate(const v1::Keyframe& kf);

  const AlertSettings& settings() const { return s_; }

  /// What the remembered state holds, bytes (an estimate: entries times
  /// their size, keys included), for the agent's own memory figure.
  std::size_t memory_bytes() const;

 private:
  using History = std::deque<std::pair<std::int64_t, std::uint64_t>>;  // (time_us, value)
  struct Streak {
    std::uint64_t epoch = 0;  // the evaluation that last saw the process
    std::uint32_t grew = 0, calm = 0;
    bool active = false;
  };
  struct RestartWindow {
    std::uint64_t epoch = 0;
    History history;  // restarts_total when it changed, the window's baseline first
  };

  void mailbox_rules(const v1::Keyframe& kf, std::vector<Alert>& out);
  void restart_rules(const v1::Keyframe& kf, std::int64_t now, std::vector<Alert>& out);
  void monitor_rules(const v1::Keyframe& kf, std::int64_t now, std::vector<Alert>& out);
  void limit_rules(const v1::Keyframe& kf, std::vector<Alert>& out);
  void memory_rule(const v1::Keyframe& kf, std::int64_t now, std::vector<Alert>& out);

  AlertSettings s_;
  std::unordered_map<std::string, Streak> streaks_;     // by pid, hot set only
  std::unordered_map<std::string, RestartWindow> restarts_;  // by supervisor id
  std::uint64_t epoch_ = 0;
  History memory_;
  bool limit_raised_[4] = {false, false, false, false};  // processes, ports, atoms, ETS
  std::map<std::pair<int, std::string>, std::int64_t> since_;  // (kind, subject) -> first raised
};

/// snake_case names, as in /metrics' `kind` label, ctl's JSON and the GUI:
/// "mailbox_growing", "restart_storm", ... ; "unknown" for values a newer
/// agent may send.
std::string_view alert_kind_name(Alert::Kind kind);
/// The inverse of alert_kind_name; false when unknown.
bool parse_alert_kind(std::string_view name, Alert::Kind& out);
/// "warning" | "critical".
std::string_view alert_severity_name(Alert::Severity severity);

/// What an alert's subject names, so a viewer knows what to select.
enum class AlertSubject { kNode, kProcess, kPort, kTreeEntry };
AlertSubject alert_subject(Alert::Kind kind);

}  // namespace beamscope::protocol
