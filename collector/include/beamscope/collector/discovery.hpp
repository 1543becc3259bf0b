// --discover: the collector follows the agents that the nodes it serves
// report as their cluster peers (AgentStats.peer_agents), and transitively
// what those report, so one seed --agent finds a whole cluster. A
// discovered agent no node reports any more, whose link serves no node, is
// forgotten after a while. Endpoints given by the user are never touched.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "beamscope/collector/fan_in.hpp"
#include "beamscope/transport/curve_keys.hpp"

namespace beamscope::collector {

/// Discovered agents followed at most unless --max-discovered says otherwise.
inline constexpr std::size_t kDefaultMaxDiscovered = 256;

struct DiscoveryOptions {
  std::size_t max_discovered = kDefaultMaxDiscovered;  ///< --max-discovered: links discovery may add
  /// A discovered agent no followed node reported this long (and whose link
  /// serves no node) is no longer followed.
  std::chrono::milliseconds forget_after{60000};
  /// How often the nodes' reports are read: each read copies every node's
  /// state (FanIn::snapshots), so not at every frame.
  std::chrono::milliseconds interval{2000};
  std::string key_file;  ///< --key: our .secret towards CURVE peers; "" = one fresh pair
};

/// Why a reported peer was not followed (beamscope_collector_discovery_skipped_total).
enum class DiscoverySkip : std::size_t { kCap, kNoEndpoint, kBadEndpoint, kBadKey };
inline constexpr std::size_t kDiscoverySkipKinds = 4;
const char* to_string(DiscoverySkip reason);  // "cap", "no_endpoint", "bad_endpoint", "bad_key"

struct DiscoveryStats {
  std::size_t discovered = 0;        ///< links followed now because a node reported them
  std::uint64_t added_total = 0;     ///< discovered links added since the start
  std::uint64_t forgotten_total = 0; ///< discovered links removed since the start
  /// Peers not followed, by reason: each counted once while it keeps being reported.
  std::array<std::uint64_t, kDiscoverySkipKinds> skipped{};
};

/// Usage:
///   std::string err;
///   auto discovery = Discovery::start(*fan, {.key_file = opts.key_file}, err);
///   ...
///   discovery->stop();  // before fan->stop(): no link is added to a stopped fan-in
class Discovery {
 public:
  /// Loads our key pair and starts the thread that reads the nodes' reports
  /// every `interval`. nullptr and `error` set when the key file is bad.
  /// `fan` must outlive the Discovery.
  static std::unique_ptr<Discovery> start(FanIn& fan, const DiscoveryOptions& opts, std::string& error);
  ~Discovery();
  void stop();

  /// One pass over the nodes' reports: follow new peers, forget stale ones.
  /// The thread calls it; tests may too.
  void step(std::chrono::steady_clock::time_point now);

  /// `endpoint` is listed by the user now (an agents file re-read on SIGHUP
  /// names a discovered agent): discovery no longer counts or forgets it.
  /// True when discovery had followed it.
  bool release(const std::string& endpoint);

  DiscoveryStats stats() const;

  Discovery(const Discovery&) = delete;
  Discovery& operator=(const Discovery&) = delete;

 private:
  struct Followed {
    std::string node;  // as reported
    std::chrono::steady_clock::time_point last_reported;
  };
  struct Report;
  Discovery(FanIn& fan, const DiscoveryOptions& opts) : fan_(fan), opts_(opts) {}
  void run();
  void consider(const Report& peer, const std::unordered_map<std::string, std::string>& served,
                std::chrono::steady_clock::time_point now);
  void skip(DiscoverySkip reason, const std::string& what, std::chrono::steady_clock::time_point now);
  void forget_stale(const std::unordered_map<std::string, std::string>& served,
                    std::chrono::steady_clock::time_point now);

  FanIn& fan_;
  const DiscoveryOptions opts_;
  transport::CurveKeyPair own_;  // the same pair towards every discovered CURVE agent

  // step() runs on the thread (or a test), stats() on a scrape, release()
  // on SIGHUP: one mutex, held over a pass (adding a link starts its thread,
  // removing one joins it: milliseconds).
  mutable std::mutex mutex_;
  std::map<std::string, Followed> followed_;  // by endpoint
  // Skipped peers by reason and endpoint (or node): counted once while
  // reported, dropped after forget_after unreported.
  std::map<std::string, std::chrono::steady_clock::time_point> noted_;
  DiscoveryStats stats_;
  bool cap_logged_ = false;

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace beamscope::collector
