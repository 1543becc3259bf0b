#include "agent_state.hpp"

#include <algorithm>
#include <ctime>
#include <exception>

#include <prometheus/exposer.h>

#include "beamscope/exporters/metrics_http.hpp"
#include "beamscope/exporters/node_collectable.hpp"
#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/node_model.hpp"
#include "beamscope/protocol/version.hpp"
#include "beamscope/transport/curve_keys.hpp"
#include "beamscope/transport/endpoint.hpp"
#include "beamscope/transport/stream_server.hpp"
#include "http_waker.hpp"
#include "beamscope/protocol/requests.hpp"
#include "page_terms.hpp"
#include "proc_atoms.hpp"
#include "proto_terms.hpp"
#include "terms.hpp"
#include "tree_atoms.hpp"

namespace beamscope::agent {

namespace {
// Requests handed to the pager and not answered yet; beyond, the I/O thread
// answers "busy" itself, so a flood never reaches an Erlang mailbox.
constexpr int kMaxForwarded = 32;
// Nice levels the stream's threads (the server's, libzmq's) run below the
// VM's: at the same weight, a flood of connections took the host's message
// passing down to 0.69x (bench/stream_flood); the sweep runs on the VM's
// own schedulers and keeps its priority.
constexpr int kStreamThreadNice = 10;
}  // namespace

void SnapshotBox::note_http_cpu() {
  const auto ns = thread_cpu_ns();
  if (ns == 0) return;
  std::lock_guard lock(mu);
  // Bounded by the worker count; a replaced worker's entry keeps its total.
  if (http_cpu_ns.size() < 16 || http_cpu_ns.count(std::this_thread::get_id()))
    http_cpu_ns[std::this_thread::get_id()] = ns;
}

std::uint64_t SnapshotBox::http_cpu_us() {
  std::lock_guard lock(mu);
  std::uint64_t ns = 0;
  for (const auto& [id, v] : http_cpu_ns) ns += v;
  return ns / 1000;
}

std::uint64_t thread_cpu_ns() {
  timespec ts{};
  if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

AgentState::AgentState(const AgentConfig& config)
    : config_(config),
      sweep_(config.top_k),
      snapshot_(std::make_shared<SnapshotBox>()),
      history_(std::make_shared<HistoryRing>(config.history_s, config.tick_ms)),
      alert_rules_(protocol::AlertSettings{.mailbox_alarm = config.mailbox_alarm}) {}

AgentState::~AgentState() { stop(); }

std::string AgentState::start() {
  if (!config_.stream_endpoint.empty())
    if (auto err = transport::check_endpoint(config_.stream_endpoint, /*for_bind=*/true))
      return "stream_endpoint " + config_.stream_endpoint + ": " + *err;
  transport::StreamServerOptions opts;
  opts.endpoint = config_.stream_endpoint;
  if (auto err = dial_out_targets(opts.dial_out)) return *err;
  opts.on_keyed_request = [this](const std::string& viewer, const std::string& key,
                                 const protocol::Envelope& request) {
    if (request.has_children_request() || request.has_history_request())
      forward_request(viewer, request);
    else
      forward_inspect(viewer, key, request);
  };
  if (history_->enabled())
    opts.history_for = [ring = history_](const std::string&) { return ring->history(); };
  opts.security.secret_key_file = config_.secret_key_file;
  opts.security.authorized_keys_file = config_.authorized_keys_file;
  opts.security.insecure_remote = config_.insecure_remote;
  opts.security.hint =
      "set stream_secret_key_file (beamscope-ctl keygen PATH; see SECURITY.md), or stream_insecure_remote true";
  opts.on_warning = config_.on_warning;
  opts.max_viewers = config_.max_viewers;
  opts.serve_cpu_us_per_s = config_.viewer_cpu_us_per_s;
  // Below the VM's schedulers: a flood on the port yields the cores to the host.
  opts.thread_nice = kStreamThreadNice;
  std::string error;
  server_ = transport::StreamServer::start(opts, error);
  if (!server_ && config_.stream_endpoint.empty()) return "collector_endpoints: " + error;
  if (!server_) {
    // The transport's message usually names the endpoint already.
    if (error.rfind(config_.stream_endpoint, 0) == 0) return "stream_endpoint " + error;
    return "stream_endpoint " + config_.stream_endpoint + ": " + error;
  }

  if (config_.metrics_listen) {
    try {
      // The default workers and request deadline: one stalled client must
      // not block a scrape; idle workers cost the VM nothing.
      exporters::MetricsHttpOptions http;
      http.listen = *config_.metrics_listen;
      http.auth_user = config_.auth_user;
      http.auth_password = config_.auth_password;
      http.tls_pem = config_.tls_pem;
      exposer_ = exporters::start_metrics_http(http);
      exporters::CollectableOptions copts;
      copts.top_k = config_.top_k;
      // node="..." on every series, as the collector does: one dashboard
      // (its `node` variable) serves agents scraped directly and collectors.
      copts.label_node = true;
      // The source holds the box, not `this`: it stays valid whatever the
      // order of teardown.
      auto box = snapshot_;
      collectable_ = exporters::make_node_collectable(
          [box] {
            box->note_http_cpu();
            std::vector<std::shared_ptr<const v1::Keyframe>> out;
            if (auto kf = box->get()) out.push_back(std::move(kf));
            return out;
          },
          copts);
      exposer_->RegisterCollectable(collectable_);
    } catch (const std::exception& e) {
      exposer_.reset();
      collectable_.reset();
      server_->stop();
      server_.reset();
      return "metrics_listen " + *config_.metrics_listen + ": cannot listen (" + e.what() + ")";
    }
  }
  live_server_ = server_.get();
  identity_.endpoint = server_->bound_endpoint();
  if (!config_.secret_key_file.empty()) {
    std::string secret;  // read and checked by the server already
    if (!transport::read_secret_key_file(config_.secret_key_file, secret))
      identity_.public_key = transport::derive_public_key(secret);
  }
  counters_.running = true;
  counters_.curve = server_->stats().curve;
  counters_.plaintext_remote =
      (!config_.stream_endpoint.empty() && transport::is_plaintext_remote(config_.stream_endpoint, opts.security)) ||
      std::any_of(opts.dial_out.begin(), opts.dial_out.end(), [](const transport::DialOutTarget& t) {
        return !t.security.enabled() && !transport::is_loopback(t.endpoint);
      });
  return {};
}

// Each collector_endpoints entry as the stream server dials it: CURVE with
// the collector's public key and this agent's own key (stream_secret_key_file,
// else a fresh pair, enough for a collector that authorizes no agent keys);
// plaintext only to loopback, unless stream_insecure_remote.
std::optional<std::string> AgentState::dial_out_targets(std::vector<transport::DialOutTarget>& out) const {
  for (const auto& c : config_.collector_endpoints) {
    const std::string what = "collector_endpoints " + c.endpoint + ": ";
    if (auto err = transport::check_endpoint(c.endpoint, /*for_bind=*/false)) return "collector_endpoints " + *err;
    transport::DialOutTarget target;
    target.endpoint = c.endpoint;
    const std::string own = c.server_key_file.empty() ? "" : config_.secret_key_file;
    if (auto err = transport::load_client_security(c.server_key_file, own, target.security)) return what + *err;
    if (!target.security.enabled() && !transport::is_loopback(c.endpoint) && !config_.insecure_remote)
      return what +
             "refusing to send the stream in plaintext to another machine; give {Endpoint, CollectorPublicKeyFile} "
             "(see SECURITY.md), or set stream_insecure_remote true";
    out.push_back(std::move(target));
  }
  return std::nullopt;
}

void AgentState::stop() {
  // HTTP first: after this no scrape reads the snapshot.
  if (exposer_) {
    const auto ports = exposer_->GetListeningPorts();
    stop_http_promptly(*config_.metrics_listen, ports.empty() ? 0 : ports.front(), [this] { exposer_.reset(); });
  }
  collectable_.reset();
  if (server_) {
    // stop() joins the I/O thread: after it no handler runs.
    server_->stop();
    live_server_ = nullptr;
    server_.reset();
  }
  counters_.running = false;
}

void AgentState::publish(v1::Keyframe kf) {
  if (server_) {
    const auto s = server_->stats();
    counters_.frames_published = s.frames_published;
    counters_.frames_sent = s.frames_sent;
    counters_.frames_dropped = s.frames_dropped;
    counters_.frames_rejected = s.frames_rejected;
    counters_.viewers = s.viewers;
    counters_.auth_refused = s.auth_refused;
    counters_.handshake_failed = s.handshake_failed;
    counters_.stream = s;
  }
  if (tree_part_) {
    *kf.mutable_tree() = tree_part_->tree();
    *kf.mutable_tree_stats() = tree_part_->tree_stats();
  }
  if (events_part_) {
    *kf.mutable_events() = events_part_->events();
    *kf.mutable_monitor() = events_part_->monitor();
    kf.mutable_tree_stats()->set_events_dropped(events_part_->tree_stats().events_dropped());
  }
  counters_.memory_bytes = memory_estimate();
  auto* a = kf.mutable_agent();
  a->set_frames_sent_total(counters_.frames_sent);
  a->set_frames_dropped_total(counters_.frames_dropped + counters_.publish_dropped);
  a->set_frames_rejected_total(counters_.frames_rejected);
  a->set_memory_bytes(counters_.memory_bytes);
  a->set_viewers(counters_.viewers);
  a->set_stream_auth_refused_total(counters_.auth_refused);
  a->set_stream_handshake_failed_total(counters_.handshake_failed);
  a->set_stream_encrypted(counters_.curve);
  for (std::size_t i = 0; i < transport::kRejectionKinds; ++i) {
    auto* r = a->add_stream_rejected();
    r->set_reason(transport::to_string(static_cast<transport::Rejection>(i)));
    r->set_total(counters_.stream.rejected[i]);
  }
  for (const auto& p : peer_agents_) *a->add_peer_agents() = p;
  for (const auto& d : counters_.stream.dial_out) {
    auto* c = a->add_collectors();
    std::string endpoint = d.endpoint, refused = d.refused;
    terms::truncate_utf8(endpoint, protocol::limits::kMaxString);
    terms::truncate_utf8(refused, protocol::limits::kMaxString);
    c->set_endpoint(endpoint);
    c->set_connected(d.connected);
    c->set_refused(refused);
    c->set_connections_total(d.connections);
    c->set_frames_dropped_total(d.dropped);
  }

  // One clock reading for the snapshot (/metrics), the alerts and the frame.
  const std::int64_t sampled_at = protocol::now_us();
  kf.set_sampled_at_us(sampled_at);
  history_->record(kf);
  counters_.history = history_->stats();
  *kf.mutable_history_stats() = counters_.history;
  *kf.mutable_alerts() = alert_rules_.evaluate(kf);
  auto next = std::make_shared<const v1::Keyframe>(std::move(kf));
  {
    std::lock_guard lock(snapshot_->mu);
    snapshot_->latest = next;
  }
  if (!server_) return;

  protocol::Envelope env;
  const bool keyframe = need_keyframe_ || !last_sent_ || last_sent_->info().node() != next->info().node();
  if (keyframe)
    *env.mutable_keyframe() = *next;
  else
    *env.mutable_delta() = protocol::make_delta(*last_sent_, *next);
  env.set_version_major(protocol::kVersionMajor);
  env.set_version_minor(protocol::kVersionMinor);
  env.set_node(next->info().node());
  env.set_seq(++counters_.seq);
  env.set_timestamp_us(sampled_at);

  // A dropped frame breaks the delta chain for the server's model: the
  // next frame is a keyframe again.
  const std::uint64_t size = env.ByteSizeLong();
  if (server_->publish(std::move(env))) {
    ++(keyframe ? counters_.keyframes_sent : counters_.deltas_sent);
    (keyframe ? counters_.keyframe_bytes : counters_.delta_bytes) += size;
    last_sent_ = std::move(next);
    need_keyframe_ = false;
  } else {
    ++counters_.publish_dropped;
    need_keyframe_ = true;
  }
}

AgentCounters AgentState::counters() const {
  AgentCounters c = counters_;
  // What the sampler cannot time: work on the agent's own threads.
  c.thread_cpu_us =
      (server_ ? server_->stats().io_cpu_us : 0) + snapshot_->http_cpu_us() + dirty_cpu_ns_.load() / 1000;
  if (server_) {
    const auto s = server_->stats();
    c.auth_refused = s.auth_refused;
    c.handshake_failed = s.handshake_failed;
    c.stream = s;
  }
  return c;
}

void AgentState::forward_request(const std::string& viewer, const v1::Envelope& request) {
  const auto kf = snapshot_->get();
  const std::string node = kf ? kf->info().node() : std::string();
  if (request.has_history_request()) return answer_history(viewer, request, node);
  if (!request.has_children_request()) return;
  const auto& req = request.children_request();
  if (!request.node().empty() && !node.empty() && request.node() != node)
    return refuse(viewer, req, "this agent serves node " + node + ", not " + request.node());
  if (forwarded_.load() >= kMaxForwarded) return refuse(viewer, req, "busy: too many children requests in flight");
  ErlNifPid pager;
  // NULL env: this is the stream server's thread, not a scheduler's.
  if (!enif_whereis_pid(nullptr, tree_atoms::beamscope_pager, &pager))
    return refuse(viewer, req, "the agent's pager is not running");
  ErlNifEnv* msg_env = enif_alloc_env();
  if (!msg_env) return refuse(viewer, req, "busy: out of memory");
  ++forwarded_;
  if (!enif_send(nullptr, &pager, msg_env, request_term(msg_env, viewer, req))) {
    --forwarded_;
    refuse(viewer, req, "the agent's pager is not running");
  }
  enif_free_env(msg_env);
}

void AgentState::refuse(const std::string& viewer, const v1::ChildrenRequest& request, const std::string& error) {
  auto* server = live_server_.load();
  if (!server) return;
  protocol::Envelope env;
  *env.mutable_children_page() = error_page(request, error);
  if (auto kf = snapshot_->get()) env.set_node(kf->info().node());
  server->reply(viewer, std::move(env));
}

void AgentState::forward_inspect(const std::string& viewer, const std::string& viewer_key,
                                 const v1::Envelope& request) {
  const auto kf = snapshot_->get();
  const std::string node = kf ? kf->info().node() : std::string();
  if (!request.node().empty() && !node.empty() && request.node() != node)
    return refuse_inspect(viewer, request, "this agent serves node " + node + ", not " + request.node());
  if (auto why = protocol::check_request(request)) return refuse_inspect(viewer, request, *why);
  if (inspect_forwarded_.load() >= kMaxForwarded)
    return refuse_inspect(viewer, request, "busy: too many process requests in flight");
  ErlNifPid server;
  // NULL env: this is the stream server's thread, not a scheduler's.
  if (!enif_whereis_pid(nullptr, proc_atoms::beamscope_inspect, &server))
    return refuse_inspect(viewer, request, "the agent's inspect server is not running");
  ErlNifEnv* msg_env = enif_alloc_env();
  if (!msg_env) return refuse_inspect(viewer, request, "busy: out of memory");
  ERL_NIF_TERM kind = proc_atoms::processes, body;
  if (request.has_processes_request()) {
    body = message_term(msg_env, request.processes_request());
  } else if (request.has_process_request()) {
    kind = proc_atoms::process;
    body = message_term(msg_env, request.process_request());
  } else {
    kind = proc_atoms::action;
    body = message_term(msg_env, request.action_request());
  }
  auto bin = [msg_env](const std::string& s) {
    ERL_NIF_TERM t;
    unsigned char* d = enif_make_new_binary(msg_env, s.size(), &t);
    if (!s.empty()) std::copy(s.begin(), s.end(), d);
    return t;
  };
  ERL_NIF_TERM msg = enif_make_tuple5(msg_env, proc_atoms::beamscope_request, kind, bin(viewer), bin(viewer_key), body);
  ++inspect_forwarded_;
  if (!enif_send(nullptr, &server, msg_env, msg)) {
    --inspect_forwarded_;
    refuse_inspect(viewer, request, "the agent's inspect server is not running");
  }
  enif_free_env(msg_env);
}

void AgentState::refuse_inspect(const std::string& viewer, const v1::Envelope& request, const std::string& error) {
  auto* server = live_server_.load();
  if (!server) return;
  protocol::Envelope env = protocol::error_answer(request, error);
  if (auto kf = snapshot_->get()) env.set_node(kf->info().node());
  server->reply(viewer, std::move(env));
}

bool AgentState::reply_answer(const std::string& viewer, v1::Envelope answer) {
  for (int v = inspect_forwarded_.load(); v > 0 && !inspect_forwarded_.compare_exchange_weak(v, v - 1);) {
  }
  auto* server = live_server_.load();
  if (!server) return false;
  if (auto kf = snapshot_->get()) answer.set_node(kf->info().node());
  if (!protocol::within_bounds(answer)) {
    // Whatever the Erlang side printed, the wire's bounds hold.
    protocol::Envelope request;
    request.set_node(answer.node());
    if (answer.has_processes_page()) {
      request.mutable_processes_request()->set_request_id(answer.processes_page().request_id());
    } else if (answer.has_process_detail()) {
      request.mutable_process_request()->set_request_id(answer.process_detail().request_id());
      request.mutable_process_request()->set_pid(answer.process_detail().pid());
    } else if (answer.has_action_result()) {
      request.mutable_action_request()->set_request_id(answer.action_result().request_id());
      request.mutable_action_request()->set_pid(answer.action_result().pid());
      request.mutable_action_request()->set_action(answer.action_result().action());
    }
    answer = protocol::error_answer(request, "answer past the protocol's bounds; not sent");
  }
  return server->reply(viewer, std::move(answer));
}


// Answered here, on the I/O thread: the ring has its own lock and an
// answer is at most one ring's worth of points.
void AgentState::answer_history(const std::string& viewer, const v1::Envelope& request, const std::string& node) {
  auto* server = live_server_.load();
  if (!server) return;
  protocol::Envelope env;
  if (!request.node().empty() && !node.empty() && request.node() != node) {
    auto* a = env.mutable_history_answer();
    a->set_request_id(request.history_request().request_id());
    a->set_error("this agent serves node " + node + ", not " + request.node().substr(0, 255));
  } else if (request.history_request().log() != v1::HistoryRequest::SERIES) {
    // The logs (since 1.5) are a collector's: the agent keeps only its ring.
    auto* a = env.mutable_history_answer();
    a->set_request_id(request.history_request().request_id());
    a->set_log(request.history_request().log());
    a->set_error(request.history_request().log() == v1::HistoryRequest::STATE
                     ? "this server keeps no past states (an agent keeps its last minutes of charts only); ask a "
                       "collector started with --record"
                     : "this server keeps no alert or tree change log; ask a collector");
  } else {
    *env.mutable_history_answer() = history_->answer(request.history_request());
  }
  env.set_node(node.empty() ? request.node() : node);
  server->reply(viewer, std::move(env));
}

bool AgentState::reply(const std::string& viewer, v1::ChildrenPage page) {
  // Saturating: a reply for a request forwarded before reset_requests().
  for (int v = forwarded_.load(); v > 0 && !forwarded_.compare_exchange_weak(v, v - 1);) {
  }
  if (!server_) return false;
  protocol::Envelope env;
  *env.mutable_children_page() = std::move(page);
  if (auto kf = snapshot_->get()) env.set_node(kf->info().node());
  return server_->reply(viewer, std::move(env));
}

// What the agent holds: the sweep's tables plus the latest and last-sent
// keyframes (the stream server's queue and model are bounded by it).
std::uint64_t AgentState::memory_estimate() const {
  std::uint64_t bytes = sizeof(*this) + sweep_.bytes() + hot_.bytes() + counters_.history.bytes() + alert_rules_.memory_bytes();
  if (last_sent_) bytes += last_sent_->SpaceUsedLong();
  if (tree_part_) bytes += tree_part_->SpaceUsedLong();
  if (events_part_) bytes += events_part_->SpaceUsedLong();
  if (auto kf = snapshot_->get(); kf && kf != last_sent_) bytes += kf->SpaceUsedLong();
  return bytes;
}

}  // namespace beamscope::agent
