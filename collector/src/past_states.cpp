// A node's state at a time from the collector's recording; see past_states.hpp.
#include "beamscope/collector/past_states.hpp"

#include <optional>
#include <utility>

#include "beamscope/protocol/limits.hpp"
#include "beamscope/recording/time_arg.hpp"

namespace beamscope::collector {

namespace {

// What every STATE answer says: its request and the recording's span.
// The time asked (0: the newest recorded), or nullopt when `a` is whole
// already: the span alone, or an error.
std::optional<std::int64_t> begin_answer(const recording::Reader& reader, const v1::HistoryRequest& request,
                                         v1::HistoryAnswer& a) {
  a.set_request_id(request.request_id());
  a.set_log(v1::HistoryRequest::STATE);
  if (reader.chunks().empty()) {
    a.set_error("the collector's recording holds nothing yet");
    return std::nullopt;
  }
  a.set_oldest_us(reader.first_us());
  a.set_newest_us(reader.last_us());
  if (request.span_only()) return std::nullopt;
  const std::int64_t t = request.to_us() > 0 ? request.to_us() : reader.last_us();
  if (t < reader.first_us()) {
    a.set_error("before the collector's recording starts (" + recording::format_time(reader.first_us()) + ")");
    return std::nullopt;
  }
  return t;
}

std::string absent(const recording::ReplayState& state, const std::string& node, std::int64_t t) {
  if (state.damage && state.records_applied == 0) return "the collector's recording is " + state.damage->describe();
  if (node.empty()) return "no node in the collector's recording at " + recording::format_time(t);
  return "no node '" + node + "' in the collector's recording at " + recording::format_time(t);
}

// The hour before t of `node`, for the charts, as a replay of the file shows it.
std::optional<v1::History> charts(recording::HistoryIndex& index, std::int64_t t, const std::string& node) {
  const std::int64_t from = t - kPastChartsUs;
  for (std::size_t segment : index.missing(from, t)) index.add(segment, from, t);
  auto histories = index.histories(from, t, node);
  if (auto it = histories.find(node); it != histories.end()) return std::move(it->second);
  return std::nullopt;
}

// The node's state and its charts; a node at the frame limit gets its
// state without the charts, never neither.
void fill_state(v1::HistoryAnswer& a, const std::string& node, const protocol::NodeModel& model,
                v1::History* history) {
  *a.mutable_state() = *model.snapshot();
  a.set_state_us(model.updated_us());
  if (history) {
    *a.mutable_state_history() = std::move(*history);
    if (a.ByteSizeLong() + 4096 > protocol::limits::kMaxFrameBytes) a.clear_state_history();
  }
  if (a.ByteSizeLong() + 4096 > protocol::limits::kMaxFrameBytes) {
    a.clear_state();
    a.set_error("the state of '" + node + "' at that time is larger than a frame");
  }
}

protocol::Envelope envelope(const std::string& node, v1::HistoryAnswer a) {
  protocol::Envelope env;
  env.set_node(node);
  *env.mutable_history_answer() = std::move(a);
  return env;
}

}  // namespace

v1::HistoryAnswer answer_state(recording::Reader& reader, recording::HistoryIndex& index, const std::string& node,
                               const v1::HistoryRequest& request) {
  v1::HistoryAnswer a;
  const auto t = begin_answer(reader, request, a);
  if (!t) return a;
  auto state = reader.state_at(*t);
  const protocol::NodeModel* model = state.fleet.find(node);
  if (!model || !model->has_state()) {
    a.set_error(absent(state, node, *t));
    return a;
  }
  auto history = charts(index, *t, node);
  fill_state(a, node, *model, history ? &*history : nullptr);
  return a;
}

std::vector<protocol::Envelope> answer_every_state(recording::Reader& reader, recording::HistoryIndex& index,
                                                   const std::string& node, const v1::HistoryRequest& request) {
  v1::HistoryAnswer head;
  head.set_nodes(1);
  const auto t = begin_answer(reader, request, head);
  if (!t) return {envelope(node, std::move(head))};
  // One decode of the file up to t answers every node.
  auto state = reader.state_at(*t);
  std::vector<const std::pair<const std::string, protocol::NodeModel>*> held;
  for (const auto& entry : state.fleet.nodes())
    if (entry.second.has_state()) held.push_back(&entry);
  if (held.empty()) {
    head.set_error(absent(state, "", *t));
    return {envelope(node, std::move(head))};
  }
  // The charts of the node shown: an hour of every node's would make a
  // seek in a fleet of 200 nodes 140 MB.
  auto shown = charts(index, *t, node);
  head.set_nodes(static_cast<std::uint32_t>(held.size()));
  std::vector<protocol::Envelope> out;
  out.reserve(held.size());
  for (const auto* entry : held) {
    v1::HistoryAnswer a = head;
    const bool charted = entry->first == node && shown;
    fill_state(a, entry->first, entry->second, charted ? &*shown : nullptr);
    out.push_back(envelope(entry->first, std::move(a)));
  }
  return out;
}

std::unique_ptr<PastStates> PastStates::start(std::string path, Reply reply) {
  std::unique_ptr<PastStates> p(new PastStates(std::move(path), std::move(reply)));
  p->worker_ = std::thread([raw = p.get()] { raw->run(); });
  return p;
}

PastStates::PastStates(std::string path, Reply reply) : path_(std::move(path)), reply_(std::move(reply)) {}

PastStates::~PastStates() { stop(); }

void PastStates::ask(const std::string& viewer, const protocol::Envelope& request) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    if (pending_.size() < kMaxPending) {
      pending_.push_back({viewer, request});
      wake_.notify_one();
      return;
    }
    ++stats_.busy;
  }
  protocol::Envelope out;
  out.set_node(request.node());
  auto* a = out.mutable_history_answer();
  a->set_request_id(request.history_request().request_id());
  a->set_log(v1::HistoryRequest::STATE);
  if (request.history_request().every_node()) a->set_nodes(1);
  a->set_error("collector busy: " + std::to_string(kMaxPending) + " requests for past states wait; ask again");
  (void)reply_(viewer, out);
}

void PastStates::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

PastStatesStats PastStates::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void PastStates::run() {
  for (;;) {
    Asked asked;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;
      asked = std::move(pending_.front());
      pending_.pop_front();
    }
    for (const auto& out : answer(asked.request)) {
      const bool sent = deliver(asked.viewer, out);
      std::lock_guard lock(mu_);
      ++(!sent ? stats_.dropped : out.history_answer().error().empty() ? stats_.answered : stats_.refused);
    }
  }
}

bool PastStates::deliver(const std::string& viewer, const protocol::Envelope& answer) {
  const auto give_up = std::chrono::steady_clock::now() + kReplyPatience;
  while (!reply_(viewer, answer)) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return false;
    }
    if (std::chrono::steady_clock::now() >= give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

std::vector<protocol::Envelope> PastStates::answer(const protocol::Envelope& request) {
  const v1::HistoryRequest& asked = request.history_request();
  if (!reader_) {
    std::string error;
    reader_ = recording::Reader::open(path_, error);
    if (!reader_) {
      v1::HistoryAnswer a;
      a.set_request_id(asked.request_id());
      a.set_log(v1::HistoryRequest::STATE);
      if (asked.every_node()) a.set_nodes(1);
      a.set_error("the collector cannot read its recording: " + error);
      return {envelope(request.node(), std::move(a))};
    }
    index_ = std::make_unique<recording::HistoryIndex>(*reader_);
  }
  // The recorder appends while we read: take in what it wrote since, and
  // index again the segment that was last (it has grown).
  const std::size_t before = reader_->chunks().size();
  if (reader_->refresh() && before > 0) index_->forget_from(reader_->chunks()[before - 1].segment_start);
  if (asked.every_node()) return answer_every_state(*reader_, *index_, request.node(), asked);
  return {envelope(request.node(), answer_state(*reader_, *index_, request.node(), asked))};
}

}  // namespace beamscope::collector
