// A node's state at a time from the collector's recording; see past_states.hpp.
#include "beamscope/collector/past_states.hpp"

#include <utility>

#include "beamscope/protocol/limits.hpp"
#include "beamscope/recording/time_arg.hpp"

namespace beamscope::collector {

v1::HistoryAnswer answer_state(recording::Reader& reader, recording::HistoryIndex& index, const std::string& node,
                               const v1::HistoryRequest& request) {
  v1::HistoryAnswer a;
  a.set_request_id(request.request_id());
  a.set_log(v1::HistoryRequest::STATE);
  if (reader.chunks().empty()) {
    a.set_error("the collector's recording holds nothing yet");
    return a;
  }
  a.set_oldest_us(reader.first_us());
  a.set_newest_us(reader.last_us());
  if (request.span_only()) return a;
  const std::int64_t t = request.to_us() > 0 ? request.to_us() : reader.last_us();
  if (t < reader.first_us()) {
    a.set_error("before the collector's recording starts (" + recording::format_time(reader.first_us()) + ")");
    return a;
  }
  auto state = reader.state_at(t);
  const protocol::NodeModel* model = state.fleet.find(node);
  if (!model || !model->has_state()) {
    if (state.damage && state.records_applied == 0)
      a.set_error("the collector's recording is " + state.damage->describe());
    else
      a.set_error("no node '" + node + "' in the collector's recording at " + recording::format_time(t));
    return a;
  }
  *a.mutable_state() = *model->snapshot();
  a.set_state_us(model->updated_us());

  // The hour before, for the charts, as a replay of the file shows it.
  const std::int64_t from = t - kPastChartsUs;
  for (std::size_t segment : index.missing(from, t)) index.add(segment, from, t);
  auto histories = index.histories(from, t);
  if (auto it = histories.find(node); it != histories.end()) {
    *a.mutable_state_history() = std::move(it->second);
    // A node at the frame limit gets its state without the charts, never neither.
    if (a.ByteSizeLong() + 4096 > protocol::limits::kMaxFrameBytes) a.clear_state_history();
  }
  if (a.ByteSizeLong() + 4096 > protocol::limits::kMaxFrameBytes) {
    a.clear_state();
    a.set_error("the state of '" + node + "' at that time is larger than a frame");
  }
  return a;
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
  a->set_error("collector busy: " + std::to_string(kMaxPending) + " requests for past states wait; ask again");
  reply_(viewer, std::move(out));
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
    protocol::Envelope out = answer(asked.request);
    {
      std::lock_guard lock(mu_);
      ++(out.history_answer().error().empty() ? stats_.answered : stats_.refused);
    }
    reply_(asked.viewer, std::move(out));
  }
}

protocol::Envelope PastStates::answer(const protocol::Envelope& request) {
  protocol::Envelope out;
  out.set_node(request.node());
  if (!reader_) {
    std::string error;
    reader_ = recording::Reader::open(path_, error);
    if (!reader_) {
      auto* a = out.mutable_history_answer();
      a->set_request_id(request.history_request().request_id());
      a->set_log(v1::HistoryRequest::STATE);
      a->set_error("the collector cannot read its recording: " + error);
      return out;
    }
    index_ = std::make_unique<recording::HistoryIndex>(*reader_);
  }
  // The recorder appends while we read: take in what it wrote since, and
  // index again the segment that was last (it has grown).
  const std::size_t before = reader_->chunks().size();
  if (reader_->refresh() && before > 0) index_->forget_from(reader_->chunks()[before - 1].segment_start);
  *out.mutable_history_answer() = answer_state(*reader_, *index_, request.node(), request.history_request());
  return out;
}

}  // namespace beamscope::collector
