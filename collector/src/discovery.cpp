// --discover: following the cluster peers the nodes report (see discovery.hpp).
#include "beamscope/collector/discovery.hpp"

#include <set>

#include <spdlog/spdlog.h>

#include "beamscope/transport/endpoint.hpp"

namespace beamscope::collector {

namespace {

// Skipped peers remembered for counting once; past this they are not
// counted (every node reports at most kMaxPeerAgents, nodes are bounded).
constexpr std::size_t kMaxNoted = 16384;

long long seconds(std::chrono::milliseconds ms) { return static_cast<long long>((ms.count() + 999) / 1000); }

}  // namespace

const char* to_string(DiscoverySkip reason) {
  switch (reason) {
    case DiscoverySkip::kCap: return "cap";
    case DiscoverySkip::kNoEndpoint: return "no_endpoint";
    case DiscoverySkip::kBadEndpoint: return "bad_endpoint";
    case DiscoverySkip::kBadKey: return "bad_key";
  }
  return "unknown";
}

// One peer as a node reported it.
struct Discovery::Report {
  const std::string& reporter;
  const v1::PeerAgent& peer;
  const std::set<std::string>& linked;  // every link's endpoint (or dial-in name)
};

std::unique_ptr<Discovery> Discovery::start(FanIn& fan, const DiscoveryOptions& opts, std::string& error) {
  std::unique_ptr<Discovery> d(new Discovery(fan, opts));
  if (opts.key_file.empty()) {
    d->own_ = transport::generate_curve_keypair();  // enough for agents without an authorized-keys file
  } else {
    if (auto err = transport::read_secret_key_file(opts.key_file, d->own_.secret_key)) {
      error = "--key: " + *err;
      return nullptr;
    }
    d->own_.public_key = transport::derive_public_key(d->own_.secret_key);
  }
  d->thread_ = std::thread([raw = d.get()] { raw->run(); });
  return d;
}

Discovery::~Discovery() { stop(); }

void Discovery::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Discovery::run() {
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    lock.unlock();
    step(std::chrono::steady_clock::now());
    lock.lock();
    stop_cv_.wait_for(lock, opts_.interval, [this] { return stopping_; });
  }
}

void Discovery::step(std::chrono::steady_clock::time_point now) {
  // Read before the lock: the FanIn's own locks are never taken inside ours
  // except by add_agent/remove_agent, which call nothing back.
  const auto snaps = fan_.snapshots();
  const auto served = fan_.node_links();
  std::set<std::string> linked;
  for (const auto& a : fan_.stats().agents) linked.insert(a.endpoint);

  std::lock_guard lock(mutex_);
  for (const auto& kf : snaps) {
    if (!kf) continue;
    for (const auto& peer : kf->agent().peer_agents()) consider({kf->info().node(), peer, linked}, served, now);
  }
  forget_stale(served, now);
  for (auto it = noted_.begin(); it != noted_.end();)
    it = now - it->second >= opts_.forget_after ? noted_.erase(it) : std::next(it);
}

void Discovery::consider(const Report& r, const std::unordered_map<std::string, std::string>& served,
                         std::chrono::steady_clock::time_point now) {
  const std::string& endpoint = r.peer.endpoint();
  if (endpoint.empty()) {
    // That agent only dials out: it reaches a collector by itself or not at all.
    return skip(DiscoverySkip::kNoEndpoint, r.peer.node(), now);
  }
  if (auto it = followed_.find(endpoint); it != followed_.end()) {
    it->second.last_reported = now;
    return;
  }
  if (r.linked.count(endpoint)) return;  // listed by the user (or followed through a reload)
  // Present through another link (dialled in, another spelling of its host),
  // or a discovered link for it that has not heard from it yet.
  if (served.count(r.peer.node())) return;
  for (const auto& [_, f] : followed_)
    if (f.node == r.peer.node()) return;
  if (followed_.size() >= opts_.max_discovered) {
    if (!cap_logged_) {
      cap_logged_ = true;
      spdlog::warn("--max-discovered {} reached: not following agent {} at {} (reported by {}); further ones are "
                   "only counted (beamscope_collector_discovery_skipped_total{{reason=\"cap\"}})",
                   opts_.max_discovered, r.peer.node(), endpoint, r.reporter);
    }
    return skip(DiscoverySkip::kCap, endpoint, now);
  }
  if (auto err = transport::check_endpoint(endpoint, /*for_bind=*/false)) {
    if (!noted_.count(std::string(to_string(DiscoverySkip::kBadEndpoint)) + " " + endpoint))
      spdlog::warn("not following agent {} reported by {}: {}", r.peer.node(), r.reporter, *err);
    return skip(DiscoverySkip::kBadEndpoint, endpoint, now);
  }
  transport::ClientSecurity security;  // an empty key: plaintext, as that agent serves it
  if (!r.peer.server_public_key().empty()) {
    if (auto err = transport::check_z85_key(r.peer.server_public_key())) {
      if (!noted_.count(std::string(to_string(DiscoverySkip::kBadKey)) + " " + endpoint))
        spdlog::warn("not following agent {} at {} reported by {}: bad server key: {}", r.peer.node(), endpoint,
                     r.reporter, *err);
      return skip(DiscoverySkip::kBadKey, endpoint, now);
    }
    security = {.server_public_key = r.peer.server_public_key(), .own = own_};
  }
  std::string error;
  if (!fan_.add_agent(endpoint, security, error)) {
    spdlog::warn("not following agent {} reported by {}: {}", r.peer.node(), r.reporter, error);
    return skip(DiscoverySkip::kBadEndpoint, endpoint, now);
  }
  followed_[endpoint] = {r.peer.node(), now};
  ++stats_.added_total;
  spdlog::info("discovered agent {} at {} (reported by {}){}", r.peer.node(), endpoint, r.reporter,
               security.enabled() ? " (CURVE)" : "");
}

void Discovery::skip(DiscoverySkip reason, const std::string& what, std::chrono::steady_clock::time_point now) {
  const std::string key = std::string(to_string(reason)) + " " + what;
  if (auto it = noted_.find(key); it != noted_.end()) {
    it->second = now;  // still reported: counted already
    return;
  }
  if (noted_.size() >= kMaxNoted) return;
  noted_.emplace(key, now);
  ++stats_.skipped[static_cast<std::size_t>(reason)];
  if (reason == DiscoverySkip::kNoEndpoint)
    spdlog::debug("agent on {} binds no stream (it only dials out): not followed", what);
}

void Discovery::forget_stale(const std::unordered_map<std::string, std::string>& served,
                             std::chrono::steady_clock::time_point now) {
  std::set<std::string> serving;
  for (const auto& [_, endpoint] : served) serving.insert(endpoint);
  for (auto it = followed_.begin(); it != followed_.end();) {
    const auto& [endpoint, f] = *it;
    // A link still serving its node stays: its cluster may merely be split.
    if (now - f.last_reported < opts_.forget_after || serving.count(endpoint)) {
      ++it;
      continue;
    }
    const std::string why = "no longer reported by its cluster";
    fan_.remove_agent(endpoint, why);
    spdlog::info("forgot discovered agent {} at {}: {} for {} s", f.node, endpoint, why, seconds(opts_.forget_after));
    ++stats_.forgotten_total;
    it = followed_.erase(it);
  }
}

bool Discovery::release(const std::string& endpoint) {
  std::lock_guard lock(mutex_);
  return followed_.erase(endpoint) > 0;
}

DiscoveryStats Discovery::stats() const {
  std::lock_guard lock(mutex_);
  DiscoveryStats out = stats_;
  out.discovered = followed_.size();
  return out;
}

}  // namespace beamscope::collector
