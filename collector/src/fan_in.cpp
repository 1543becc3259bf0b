// FanIn: agent links in, one stream server out (see fan_in.hpp).
#include "beamscope/collector/fan_in.hpp"

#include <algorithm>
#include <atomic>

#include <spdlog/spdlog.h>

#include "beamscope/transport/endpoint.hpp"
#include "request_relay.hpp"

namespace beamscope::collector {

namespace {
constexpr std::size_t kMaxRelayed = 256;  // requests waiting for agents
}  // namespace

struct FanIn::Link {
  std::string endpoint;
  std::unique_ptr<transport::StreamClient> client;
  std::atomic<std::uint64_t> forwarded{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> nodes_refused{0};  // frames of nodes past max_nodes over all links
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
  fan->relay_ = std::make_unique<RequestRelay>(kMaxRelayed, std::chrono::milliseconds(opts.request_timeout_ms));
  auto server_opts = opts.server;
  server_opts.model_limits = opts.limits;
  // A Hello is answered with a keyframe and a History for every node at
  // once: the viewer's queue holds them all (at 100, a fleet of 120 nodes
  // lost 141 of its 241 frames and the viewer asked again).
  server_opts.send_hwm = std::max<int>(server_opts.send_hwm, static_cast<int>(2 * opts.limits.max_nodes + 16));
  fan->limits_ = opts.limits;
  fan->on_frame_ = opts.on_frame;
  fan->on_gone_ = opts.on_gone;
  fan->history_ = opts.history;
  if (!opts.recording.empty())
    fan->past_ = PastStates::start(opts.recording, [self = fan.get()](const std::string& viewer,
                                                                      const protocol::Envelope& a) {
      if (a.history_answer().error().empty()) return self->server_->reply(viewer, a);
      self->fail_request(viewer, a);
      return true;
    });
  if (opts.history)
    server_opts.history_for = [store = opts.history](const std::string& node) { return store->history(node); };
  server_opts.on_keyed_request = [self = fan.get()](const std::string& viewer, const std::string& key,
                                                    const protocol::Envelope& request) {
    self->relay_request(viewer, request, key);
  };
  fan->server_ = transport::StreamServer::start(server_opts, error);
  if (!fan->server_) return nullptr;
  fan->link_limits_ = opts.limits;
  // Three sockets a link (its DEALER and its monitor's pair): past the
  // default of 1,023 a fleet of 341 agents could not be followed.
  fan->links_context_.set(zmq::ctxopt::max_sockets, fan->links_context_.get(zmq::ctxopt::socket_limit));
  for (std::size_t i = 0; i < opts.agents.size(); ++i) {
    const transport::ClientSecurity security =
        i < opts.agent_security.size() ? opts.agent_security[i] : transport::ClientSecurity{};
    auto link = fan->start_link(opts.agents[i], opts.agents[i], security, error);
    if (!link) return nullptr;  // destructor stops what already started
    std::lock_guard lock(fan->links_mutex_);  // other threads read them (stats(), relayed requests)
    fan->links_.push_back(std::move(link));
  }
  fan->serving_ = true;
  return fan;
}

FanIn::FanIn() = default;
FanIn::~FanIn() { stop(); }

std::shared_ptr<FanIn::Link> FanIn::start_link(const std::string& key, const std::string& endpoint,
                                               const transport::ClientSecurity& security, std::string& error,
                                               zmq::context_t* ctx) {
  auto link = std::make_shared<Link>();
  link->endpoint = key;
  Link* raw = link.get();
  link->client = transport::StreamClient::start(
      endpoint, error, [this, raw](const protocol::SharedEnvelope& frame) { forward(*raw, frame); },
      [this, raw, key, endpoint](const std::string& node, const std::string& reason) {
        // A dialled-in link's endpoint is its inproc bridge: name the agent.
        std::string why = reason;
        if (key != endpoint)
          if (const auto at = why.find(endpoint); at != std::string::npos) why.replace(at, endpoint.size(), key);
        gone(*raw, node, why);
      },
      [this, raw](const protocol::Envelope& answer) { relay_answer(*raw, answer); }, security, link_limits_,
      ctx ? ctx : &links_context_);
  if (!link->client) return nullptr;
  return link;
}

bool FanIn::followed(const std::string& key) const {
  return std::any_of(links_.begin(), links_.end(), [&](const auto& link) { return link->endpoint == key; });
}

std::shared_ptr<FanIn::Link> FanIn::find_link(const Link* raw) const {
  std::lock_guard lock(links_mutex_);
  for (const auto& link : links_)
    if (link.get() == raw) return link;
  return nullptr;
}

bool FanIn::add_agent(const std::string& endpoint, const transport::ClientSecurity& security, std::string& error) {
  if (auto err = transport::check_endpoint(endpoint, /*for_bind=*/false)) {
    error = "bad agent endpoint: " + *err;
    return false;
  }
  {
    std::lock_guard lock(links_mutex_);
    if (followed(endpoint)) {
      error = endpoint + " is followed already";
      return false;
    }
  }
  auto link = start_link(endpoint, endpoint, security, error);
  if (!link) return false;
  std::lock_guard lock(links_mutex_);
  links_.push_back(std::move(link));
  return true;
}

bool FanIn::add_dialled_agent(const std::string& name, const std::string& inproc_endpoint, zmq::context_t& ctx,
                              std::string& error) {
  {
    std::lock_guard lock(links_mutex_);
    if (stopping_) {
      error = "the collector is stopping";
      return false;
    }
    if (followed(name)) {
      error = name + " is followed already";
      return false;
    }
  }
  auto link = start_link(name, inproc_endpoint, {}, error, &ctx);
  if (!link) return false;
  {
    std::lock_guard lock(links_mutex_);
    if (!stopping_) {
      links_.push_back(std::move(link));
      return true;
    }
  }
  // stop() ran meanwhile: this link must not outlive it (its socket is on
  // the listener's context, which is closed after stop()).
  link->client->stop();
  error = "the collector is stopping";
  return false;
}

bool FanIn::remove_agent(const std::string& endpoint, const std::string& reason) {
  std::shared_ptr<Link> link;
  {
    std::lock_guard lock(links_mutex_);
    auto it = std::find_if(links_.begin(), links_.end(), [&](const auto& l) { return l->endpoint == endpoint; });
    if (it == links_.end()) return false;
    link = std::move(*it);
    links_.erase(it);
  }
  // Joins the link's thread: after this it forwards nothing more, so the
  // nodes it served can be handed back.
  link->client->stop();
  std::vector<std::string> nodes;
  {
    std::lock_guard lock(owners_mutex_);
    for (auto it = owners_.begin(); it != owners_.end();) {
      if (it->second == link.get()) {
        nodes.push_back(it->first);
        it = owners_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& node : nodes) {
    spdlog::info("node {} gone ({}): {}", node, endpoint, reason);
    server_->node_gone(node, reason);
    if (on_gone_) on_gone_(node, reason);
  }
  return true;
}

void FanIn::stop() {
  std::vector<std::shared_ptr<Link>> links;
  {
    std::lock_guard lock(links_mutex_);
    stopping_ = true;
    links = links_;
  }
  for (auto& link : links) {
    if (link->client) link->client->stop();
  }
  if (past_) past_->stop();  // its answers go through the server
  if (server_) server_->stop();
}

const std::string& FanIn::listen_endpoint() const { return server_->bound_endpoint(); }

std::vector<std::shared_ptr<const v1::Keyframe>> FanIn::snapshots() const { return server_->snapshots(); }

// Runs on the link's client thread for every applied keyframe or delta:
// shared, not copied, by the server and the recorder.
void FanIn::forward(Link& link, const protocol::SharedEnvelope& frame) {
  const protocol::Envelope& env = *frame;
  {
    std::lock_guard lock(owners_mutex_);
    // Each link's model holds max_nodes; together they may not pass it either.
    if (owners_.size() >= limits_.max_nodes && owners_.count(env.node()) == 0) {
      link.nodes_refused.fetch_add(1, std::memory_order_relaxed);
      return;
    }
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
  expire_requests();  // agents tick every second: timeouts are seen on time
  if (history_) history_->record(env.node(), env);
  if (on_frame_) on_frame_(frame);
  if (server_->publish(frame)) {
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
  if (on_gone_) on_gone_(node, reason);
  server_->node_gone(node, reason);
}

// Runs on the server's I/O thread: never blocks, answers errors at once.
void FanIn::relay_request(const std::string& viewer, const protocol::Envelope& request, const std::string& key) {
  if (!serving_) return;  // still starting: the viewer's own deadline answers
  if (request.has_history_request()) return answer_history(viewer, request);
  expire_requests();
  const Link* owner = nullptr;
  {
    std::lock_guard lock(owners_mutex_);
    auto it = owners_.find(request.node());
    if (it != owners_.end()) owner = it->second;
  }
  // Held until the request is handed over: a SIGHUP may remove the agent meanwhile.
  const std::shared_ptr<Link> link = owner ? find_link(owner) : nullptr;
  RelayedRequest step;
  {
    std::lock_guard lock(relay_mutex_);
    step = collector::relay_request(*relay_, viewer, request, link != nullptr, RequestRelay::Clock::now(), key);
  }
  if (step.to_viewer) return fail_request(viewer, std::move(*step.to_viewer));
  if (!link->client->request(std::move(*step.to_agent))) {
    {
      std::lock_guard lock(relay_mutex_);
      relay_->complete(*step.relay_id);
    }
    fail_request(viewer, error_answer(request, "collector busy: the link to " + link->endpoint + " is full"));
  }
}

// Runs on a link's client thread with an agent's answer (a page, detail,
// result) or the History it sends after a node's keyframe.
void FanIn::relay_answer(const Link& link, const protocol::Envelope& answer) {
  if (answer.has_history()) {
    // The agent's past before we connected; only from the link serving the node.
    if (!history_) return;
    {
      std::lock_guard lock(owners_mutex_);
      auto it = owners_.find(answer.node());
      if (it == owners_.end() || it->second != &link) return;
    }
    history_->backfill(answer.node(), answer.history());
    return;
  }
  std::optional<ViewerFrame> back;
  {
    std::lock_guard lock(relay_mutex_);
    back = collector::relay_answer(*relay_, answer);
  }
  expire_requests();
  if (!back) return;  // late (already answered with a timeout) or not ours
  server_->reply(back->viewer, std::move(back->frame));
  requests_relayed_.fetch_add(1, std::memory_order_relaxed);
}

// What the collector keeps is its own, not the agents': answered here.
void FanIn::answer_history(const std::string& viewer, const protocol::Envelope& request) {
  if (request.history_request().log() == v1::HistoryRequest::STATE && past_) return past_->ask(viewer, request);
  protocol::Envelope answer;
  answer.set_node(request.node());
  auto* a = answer.mutable_history_answer();
  if (request.history_request().log() == v1::HistoryRequest::STATE) {
    a->set_request_id(request.history_request().request_id());
    a->set_log(v1::HistoryRequest::STATE);
    if (request.history_request().every_node()) a->set_nodes(1);
    a->set_error("this collector records nothing: the past of a node needs beamscope-collector --record FILE");
  } else if (history_) {
    *a = history_->answer(request.node(), request.history_request());
  } else {
    a->set_request_id(request.history_request().request_id());
    a->set_series(request.history_request().series().substr(0, 64));
    a->set_log(request.history_request().log());
    a->set_error("this collector keeps no history");
  }
  if (!a->error().empty()) return fail_request(viewer, std::move(answer));
  server_->reply(viewer, std::move(answer));
}

void FanIn::fail_request(const std::string& viewer, protocol::Envelope answer) {
  server_->reply(viewer, std::move(answer));
  requests_failed_.fetch_add(1, std::memory_order_relaxed);
}

void FanIn::expire_requests() {
  std::vector<ViewerFrame> late;
  {
    std::lock_guard lock(relay_mutex_);
    late = expired_answers(*relay_, RequestRelay::Clock::now());
  }
  for (auto& answer : late) fail_request(answer.viewer, std::move(answer.frame));
}

std::unordered_map<std::string, std::string> FanIn::node_links() const {
  std::unordered_map<std::string, std::string> out;
  std::lock_guard lock(owners_mutex_);
  // A Link's endpoint never changes and owners_ only holds live links
  // (remove_agent drops their entries), so reading it here is safe.
  for (const auto& [node, link] : owners_) out.emplace(node, link->endpoint);
  return out;
}

FanInStats FanIn::stats() const {
  FanInStats out;
  out.server = server_->stats();
  std::vector<std::shared_ptr<Link>> links;
  {
    std::lock_guard lock(links_mutex_);
    links = links_;
  }
  for (const auto& link : links) {
    auto s = link->client->stats();
    s.cut[protocol::Cut::kNodes] += link->nodes_refused.load(std::memory_order_relaxed);
    out.agents.push_back({.endpoint = link->endpoint,
                          .frames_received = s.frames_received,
                          .frames_rejected = s.frames_rejected,
                          .rejects = s.rejects,
                          .frames_forwarded = link->forwarded.load(std::memory_order_relaxed),
                          .resyncs = s.gaps,
                          .connected = s.connected,
                          .refused = s.refused,
                          .cut = s.cut});
    out.forward_dropped += link->dropped.load(std::memory_order_relaxed);
  }
  out.limits = limits_;
  out.requests_relayed = requests_relayed_.load(std::memory_order_relaxed);
  out.requests_failed = requests_failed_.load(std::memory_order_relaxed);
  if (history_) out.history = history_->stats();
  if (past_) out.past = past_->stats();
  std::lock_guard lock(owners_mutex_);
  out.node_conflicts = node_conflicts_;
  return out;
}

}  // namespace beamscope::collector
