// Every process of a node, in the agent's order (protocol 1.3's
// ProcessesRequest → ProcessesPage): the Processes tab's "every process"
// view. The view says each frame which query it shows (sort, filter) and
// which rows are on screen; this asks the agent for a page around them
// (the rows on screen and as many either side, so scrolling a little
// shows rows at once), again every kRefreshS while shown, and at once
// when the query changes or the rows on screen leave the page held.
// Answers to an earlier request are stale. The frame loop sends the
// requests and feeds the answers back. No ImGui, no sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "beamscope.pb.h"

namespace beamscope::gui {

/// What the every-process table shows: the agent sorts and filters.
struct ProcessQuery {
  v1::ProcessesRequest::SortKey sort = v1::ProcessesRequest::MAILBOX;
  bool ascending = false;
  std::string name_filter;
  bool operator==(const ProcessQuery&) const = default;
};

class ProcessPages {
 public:
  static constexpr double kRefreshS = 2.0;        ///< the rows shown are asked again this often
  static constexpr double kAnswerTimeoutS = 5.0;  ///< no answer by then: say so, ask again

  /// The view, each frame it draws the table: the query and the rows on
  /// screen, [first, first + count).
  void want(const ProcessQuery& query, std::uint32_t first, std::uint32_t count);
  /// The request to send now, if one is due. Nothing is asked unless the
  /// view wanted rows since the last poll (a hidden table asks nothing).
  std::optional<v1::ProcessesRequest> poll(double now);
  /// An answer; false (and counted) when stale.
  bool receive(const v1::ProcessesPage& page, double now);

  /// Whether an answer for the current query has arrived (total() is known).
  bool answered() const { return answered_; }
  /// Answered, and nothing asked since (a screenshot waits for this).
  bool settled() const { return answered_ && !in_flight_; }
  /// Processes that match the query, as of the latest answer.
  std::uint32_t total() const { return page_.total(); }
  /// Row `index` of the order, or null when it is not in the page held.
  const v1::ProcessRow* row(std::uint32_t index) const;
  /// Index of `pid` in the page held, or -1.
  int index_of(const std::string& pid) const;
  /// The latest answer (offset, sweep ages, the agent's error).
  const v1::ProcessesPage& page() const { return page_; }
  double age_s(double now) const { return now - answered_at_; }
  /// "no answer from the agent in 5 s" while the latest request is lost; "" otherwise.
  const std::string& problem() const { return problem_; }
  std::uint64_t stale_answers() const { return stale_; }
  const ProcessQuery& query() const { return query_; }

 private:
  bool covers(std::uint32_t first, std::uint32_t count) const;

  ProcessQuery query_;
  std::uint32_t first_ = 0, count_ = 0;
  bool wanted_ = false;  ///< the view drew the table since the last poll
  std::uint64_t sent_id_ = 0, next_id_ = 1;
  bool in_flight_ = false, answered_ = false;
  double sent_at_ = 0, answered_at_ = 0;
  v1::ProcessesPage page_;
  std::string problem_;
  std::uint64_t stale_ = 0;
};

}  // namespace beamscope::gui
