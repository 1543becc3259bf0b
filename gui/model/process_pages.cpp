// Every process, in pages; see process_pages.hpp.
#include "process_pages.hpp"

#include <algorithm>

#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/processes.hpp"

namespace beamscope::gui {

void ProcessPages::want(const ProcessQuery& query, std::uint32_t first, std::uint32_t count) {
  if (!(query == query_)) {
    // Another order: the rows held are of the old one, and so is any answer on its way.
    query_ = query;
    page_ = {};
    answered_ = false;
    in_flight_ = false;
    problem_.clear();
  }
  first_ = first;
  count_ = std::max<std::uint32_t>(count, 1);
  wanted_ = true;
}

bool ProcessPages::covers(std::uint32_t first, std::uint32_t count) const {
  if (!answered_) return false;
  const std::uint32_t held_end = page_.offset() + static_cast<std::uint32_t>(page_.rows_size());
  // Rows past the end of the order are covered by any page that reaches it.
  const std::uint32_t end = std::min(first + count, page_.total());
  return first >= page_.offset() && (end <= held_end || held_end >= page_.total());
}

std::optional<v1::ProcessesRequest> ProcessPages::poll(double now) {
  if (!wanted_) {
    in_flight_ = false;  // the table is hidden: a late answer is stale
    return std::nullopt;
  }
  wanted_ = false;
  if (in_flight_) {
    if (now - sent_at_ < kAnswerTimeoutS) return std::nullopt;
    problem_ = "no answer from the agent in 5 s";
  } else if (covers(first_, count_) && now - answered_at_ < kRefreshS) {
    return std::nullopt;
  }
  const auto max_rows = static_cast<std::uint32_t>(protocol::limits::kMaxPageProcesses);
  const std::uint32_t margin = std::min(count_, (max_rows - std::min(count_, max_rows)) / 2);
  const std::uint32_t offset = first_ > margin ? first_ - margin : 0;
  const std::uint32_t limit = std::min(max_rows, count_ + 2 * margin);
  v1::ProcessesRequest req = protocol::processes_request(query_.sort, offset, limit);
  req.set_ascending(query_.ascending);
  req.set_name_filter(query_.name_filter);
  req.set_request_id(next_id_++);
  sent_id_ = req.request_id();
  sent_at_ = now;
  in_flight_ = true;
  return req;
}

bool ProcessPages::receive(const v1::ProcessesPage& page, double now) {
  if (!in_flight_ || page.request_id() != sent_id_) {
    ++stale_;
    return false;
  }
  in_flight_ = false;
  page_ = page;
  answered_ = true;
  answered_at_ = now;
  problem_.clear();
  return true;
}

const v1::ProcessRow* ProcessPages::row(std::uint32_t index) const {
  if (!answered_ || index < page_.offset()) return nullptr;
  const std::uint32_t i = index - page_.offset();
  return i < static_cast<std::uint32_t>(page_.rows_size()) ? &page_.rows(static_cast<int>(i)) : nullptr;
}

int ProcessPages::index_of(const std::string& pid) const {
  for (int i = 0; i < page_.rows_size(); ++i)
    if (page_.rows(i).pid() == pid) return static_cast<int>(page_.offset()) + i;
  return -1;
}

}  // namespace beamscope::gui
