// What the collector keeps of every node's past: each VM tick at 1 s for
// the last hour, then per minute the min, mean and max of every series
// for 24 hours, the node's events, and its alert and supervision-tree
// change logs (node_logs.hpp, since 1.5). One memory limit for the whole
// collector (--memory-limit): past it the oldest datum of any node goes
// first, whatever its kind, counted by kind. Thread-safe: the agent
// links record and backfill, the viewers' server reads.
//   HistoryStore store({.memory_limit = 512 << 20});
//   store.record("demo@host", env);        // every applied keyframe/delta
//   store.backfill("demo@host", history);  // the History an agent sends after its keyframe
//   store.answer("demo@host", request);    // a HistoryRequest: a series or a log
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "beamscope.pb.h"
#include "beamscope/collector/node_logs.hpp"
#include "beamscope/protocol/history_series.hpp"

namespace beamscope::collector {

/// --memory-limit unless given.
inline constexpr std::uint64_t kDefaultHistoryMemory = std::uint64_t{512} << 20;
/// The smallest and largest --memory-limit: below 1 MiB not one node's hour fits.
inline constexpr std::uint64_t kMinHistoryMemory = std::uint64_t{1} << 20;
inline constexpr std::uint64_t kMaxHistoryMemory = std::uint64_t{1} << 40;

/// Parses --memory-limit: BYTES, NKiB, NMiB or NGiB, within
/// [kMinHistoryMemory, kMaxHistoryMemory]; the error, or nullopt.
std::optional<std::string> parse_memory_limit(std::string_view text, std::uint64_t& bytes);

struct HistoryOptions {
  std::uint64_t memory_limit = kDefaultHistoryMemory;  ///< bytes, every node together
  std::uint32_t fine_s = 3600;                          ///< ticks kept at 1 s
  std::uint32_t minutes = 1440;                         ///< minute aggregates kept
  std::uint32_t hello_s = 600;                          ///< the History a viewer gets after a keyframe
  std::size_t max_events = 4096;                        ///< events kept per node
  std::size_t max_log_entries = 4096;                   ///< per node, in each of its alert and tree change logs
};

/// What an element of a std::deque of `size`-byte elements costs in
/// memory: libstdc++ allocates blocks of 512 / size elements (at least
/// one), each with malloc's header and a slot in the deque's map (measured:
/// 196 bytes for a 176-byte tick, 559 for a 536-byte minute).
constexpr std::size_t deque_cost(std::size_t size) { return size + 40 / (size < 512 ? 512 / size : 1); }

/// What was dropped before its time (the memory limit; events also the
/// per-node bound; so do the logs' entries), by kind: the label of
/// beamscope_collector_history_dropped_total.
enum class HistoryDrop : std::uint8_t { kTicks, kMinutes, kEvents, kAlerts, kTreeChanges };
inline constexpr std::size_t kHistoryDropKinds = 5;
const char* to_string(HistoryDrop kind);  ///< "ticks", "minutes", "events", "alerts", "tree_changes"

struct HistoryStoreStats {
  std::uint64_t bytes = 0;  ///< what the store holds, counted against memory_limit
  std::uint64_t memory_limit = 0;
  std::size_t nodes = 0;
  std::uint64_t ticks = 0, minutes = 0, events = 0;
  std::uint64_t alerts = 0, tree_changes = 0;  ///< log entries
  std::array<std::uint64_t, kHistoryDropKinds> dropped{};  ///< by HistoryDrop
  std::uint64_t backfilled = 0;    ///< ticks taken from agents' Histories
  std::uint64_t restored = 0;      ///< ticks read back from the collector's recording (restore())
  std::uint64_t clock_held = 0;    ///< ticks whose wall clock went back, held at the last time
};

class HistoryStore {
 public:
  explicit HistoryStore(const HistoryOptions& opts = {});

  /// Records the tick of an applied keyframe or delta of `node` (its
  /// gauges at env.timestamp_us) and its new events. A tick less than
  /// 0.5 s after the newest (on the node's uptime) replaces it, as the
  /// agent's ring does, within the newest's second: one a second at most
  /// from a faster agent, two when it ticks early.
  void record(const std::string& node, const v1::Envelope& env);
  /// Takes the ticks of an agent's History older than any kept for `node`
  /// (a collector that starts or connects late has the agent's last
  /// history_s at once), and its events older than those kept.
  void backfill(const std::string& node, const v1::History& h);
  /// Takes ticks a recording kept of `node` (history_restore.hpp: a
  /// restarted collector's past), oldest first, in the producer's time:
  /// thinned as record() thins, then those older than any held.
  void restore(const std::string& node, const std::vector<protocol::GaugeSample>& ticks);

  /// Ages out what a silent node keeps as time goes by (its ticks into
  /// minutes after the hour, everything after the day, then the node);
  /// `now_us` on the collector's clock. Called every second.
  void expire(std::int64_t now_us);

  /// The last hello_s seconds of `node` as a History envelope (for
  /// StreamServerOptions::history_for); nullopt without ticks.
  std::optional<v1::Envelope> history(const std::string& node) const;
  /// A series over a range: minute aggregates (span_ms 60000) where ticks
  /// are no longer kept, then ticks; or, when request.log() names one, the
  /// node's alert or tree change log over the range (NodeLogs::answer).
  /// `error` set for an unknown node, series or log.
  v1::HistoryAnswer answer(const std::string& node, const v1::HistoryRequest& request) const;

  HistoryStoreStats stats() const;

  HistoryStore(const HistoryStore&) = delete;
  HistoryStore& operator=(const HistoryStore&) = delete;

 private:
  static constexpr std::size_t kSeries = protocol::kGaugeColumns;  // one series per raw column
  // Each series counts its own values: a rate has none at a node restart.
  struct Minute {
    std::int64_t start_us = 0;
    std::array<double, kSeries> min{}, max{}, sum{};
    std::array<std::uint16_t, kSeries> count{};
    bool empty = true;
  };
  struct Node {
    std::deque<protocol::GaugeSample> ticks;  // oldest first, time_us never decreasing
    std::deque<Minute> minutes;               // complete minutes, oldest first
    Minute current;                           // filled from ticks leaving the hour
    protocol::GaugeSample before_front{};     // the tick before ticks.front(), for its rates
    bool has_before = false;
    std::int64_t floor_us = INT64_MIN;        // newest time folded or dropped: backfill stays above
    std::int64_t last_time_us = INT64_MIN;    // the clock held when it goes back
    std::uint64_t slot_uptime_ms = 0;         // when the newest tick's second began (replacements keep it)
    std::int64_t seen_us = 0;                 // the collector's clock when the newest tick came
    std::deque<v1::Event> events;             // id order
    std::uint64_t event_bytes = 0;
    std::uint64_t last_event_id = 0;
    std::uint64_t mailbox_sum = 0;            // a delta without a histogram keeps the last
    NodeLogs logs;
  };

  static constexpr std::size_t kMinuteBytes = deque_cost(sizeof(Minute));
  static std::size_t overhead(const std::string& name);  // a node's entry, its minute being filled
  Node& node_locked(const std::string& name);
  void add_tick(Node& n, protocol::GaugeSample s);
  void fold_old(Node& n, std::int64_t newest, bool keep_newest);
  void fold(Node& n, const protocol::GaugeSample& s);
  void close_minute(Node& n);
  void add_event(Node& n, const v1::Event& e);
  void pop_event(Node& n);
  void follow_logs(Node& n, const v1::Envelope& env);
  void expire_logs(Node& n, std::int64_t before_us);
  static bool holds_nothing(const Node& n);
  void enforce_limit();
  bool drop_oldest();
  void add_points(const Node& n, std::size_t series, const v1::HistoryRequest& request, v1::HistoryAnswer& out) const;

  const HistoryOptions opts_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Node> nodes_;
  std::uint64_t bytes_ = 0;  // kept in step with every change
  std::array<std::uint64_t, kHistoryDropKinds> dropped_{};
  std::uint64_t backfilled_ = 0, clock_held_ = 0, restored_ = 0;
};

}  // namespace beamscope::collector
