// FanIn: agent links in, one stream server out (see fan_in.hpp).
#include "beamscope/collector/fan_in.hpp"

#include <atomic>

#include <spdlog/spdlog.h>

#include "beamscope/transport/endpoint.hpp"

namespace beamscope::collector {

struct FanIn::Link {
  std::string endpoint;
  std::unique_ptr<transport::StreamClient> client;
  std::atomic<std::uint64_t> forwarded{0};
  std::atomic<std::uint64_t> dropped{0};
};

std::unique_ptr<FanIn> FanIn::start(const FanInOptions& opts, std::string& error) {
  // Check every agent endpoint before binding anything: a typo should fail
  // fast, without a half-started collector.
  for (const auto& agent : opts.agents) {
    if (auto err = transport::check_endpoint(agent, /*for_bind=*/false)) {
      error = "bad --agent endpoint: " + *err;
      return nullptr;
    }
  }
  std::unique_ptr<FanIn> fan(new FanIn());
  fan->server_ = transport::StreamServer::start(opts.server, error);
  if (!fan->server_) return nullptr;
  for (const auto& agent : opts.agents) {
    auto link = std::make_unique<Link>();
    link->endpoint = agent;
    Link* raw = link.get();
    FanIn* self = fan.get();
    link->client = transport::StreamClient::start(
        agent, error, [self, raw](const protocol::Envelope& env) { self->forward(*raw, env); },
        [self, raw](const std::string& node, const std::string& reason) { self->gone(*raw, node, reason); });
    if (!link->client) return nullptr;  // destructor stops what already started
    fan->links_.push_back(std::move(link));
  }
  return fan;
}

FanIn::~FanIn() { stop(); }

void FanIn::stop() {
  for (auto& link : links_) {
    if (link->client) link->client->stop();
  }
  if (server_) server_->stop();
}

const std::string& FanIn::listen_endpoint() const { return server_->bound_endpoint(); }

std::vector<std::shared_ptr<const v1::Keyframe>> FanIn::snapshots() const { return server_->snapshots(); }

// Runs on the link's client thread for every applied keyframe or delta.
void FanIn::forward(Link& link, const protocol::Envelope& env) {
  {
    std::lock_guard lock(owners_mutex_);
    auto [it, claimed] = owners_.try_emplace(env.node(), &link);
    if (!claimed && it->second != &link) {
      if (node_conflicts_++ == 0 || node_conflicts_ % 1000 == 0) {
        spdlog::warn("node {} is served by {} already; ignoring it from {} ({} frames ignored so far)", env.node(),
                     it->second->endpoint, link.endpoint, node_conflicts_);
      }
      return;
    }
    if (claimed) spdlog::info("node {} joined through {}", env.node(), link.endpoint);
  }
  if (server_->publish(env)) {
    link.forwarded.fetch_add(1, std::memory_order_relaxed);
  } else {
    link.dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

// Runs on the link's client thread when a node left or its agent went silent.
void FanIn::gone(Link& link, const std::string& node, const std::string& reason) {
  {
    std::lock_guard lock(owners_mutex_);
    auto it = owners_.find(node);
    // Only the link that serves a node may declare it gone.
    if (it == owners_.end() || it->second != &link) return;
    owners_.erase(it);
  }
  spdlog::info("node {} gone ({}): {}", node, link.endpoint, reason);
  server_->node_gone(node, reason);
}

FanInStats FanIn::stats() const {
  FanInStats out;
  out.server = server_->stats();
  for (const auto& link : links_) {
    const auto s = link->client->stats();
    out.agents.push_back({.endpoint = link->endpoint,
                          .frames_received = s.frames_received,
                          .frames_rejected = s.frames_rejected,
                          .frames_forwarded = link->forwarded.load(std::memory_order_relaxed),
                          .resyncs = s.gaps,
                          .connected = s.connected});
    out.forward_dropped += link->dropped.load(std::memory_order_relaxed);
  }
  std::lock_guard lock(owners_mutex_);
  out.node_conflicts = node_conflicts_;
  return out;
}

}  // namespace beamscope::collector
