// Pages of a huge dynamic supervisor's children, asked of the agent on
// demand: per supervisor the position the user chose (offset, order), the
// one request in flight, the latest page received, and what went wrong.
// Decides when a request is due (new position, page older than kRefreshS,
// retry after an error or a lost answer) and which answers are stale. The
// frame loop sends the requests and feeds the answers back. No ImGui, no
// sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "beamscope.pb.h"

namespace beamscope::gui {

using ChildOrder = v1::ChildrenRequest::Order;

/// What one supervisor's pager knows.
struct PagerState {
  std::uint32_t offset = 0;                     ///< position the user asked for
  ChildOrder order = v1::ChildrenRequest::BY_MAILBOX;
  std::uint64_t sent_id = 0;                    ///< latest request; answers to older ones are stale
  bool in_flight = false;
  double sent_at = 0;
  std::shared_ptr<const v1::ChildrenPage> page;  ///< latest page with children (maybe another position)
  double page_at = 0;
  std::string error;                            ///< why the asked position is not shown; "" when fine
  double error_at = 0;

  /// The page received is the one asked for (offset and order).
  bool current() const { return page && page->offset() == offset && page->order() == order; }
};

class ChildrenPager {
 public:
  static constexpr std::uint32_t kPageSize = 100;
  static constexpr double kAnswerTimeoutS = 5.0;  ///< no answer by then: say so, ask again later
  static constexpr double kRefreshS = 3.0;        ///< a page shown longer than this is asked again
  static constexpr double kRetryS = 10.0;         ///< after an error page or a lost answer
  static constexpr std::size_t kMaxSupervisors = 256;  ///< pagers remembered; the oldest idle one goes

  /// Called every frame for each pager on screen, with the child count the
  /// stream reports. Returns the request to send now, if one is due; it is
  /// then in flight until answered or kAnswerTimeoutS passed.
  std::optional<v1::ChildrenRequest> poll(const std::string& sup, std::uint32_t total, double now);
  /// An answer from the agent. False (and counted) when stale: not the
  /// latest request of a known supervisor.
  bool receive(const v1::ChildrenPage& page, double now);

  /// The user's moves; `total` is the child count shown (page or stream).
  void first(const std::string& sup) { go(sup, 0); }
  void prev(const std::string& sup);
  void next(const std::string& sup, std::uint32_t total);
  void last(const std::string& sup, std::uint32_t total);
  void go(const std::string& sup, std::uint32_t offset);
  void set_order(const std::string& sup, ChildOrder order);

  const PagerState* find(const std::string& sup) const;
  std::uint64_t stale_answers() const { return stale_; }
  std::size_t size() const { return states_.size(); }
  const std::unordered_map<std::string, PagerState>& states() const { return states_; }

 private:
  PagerState& state(const std::string& sup);

  std::unordered_map<std::string, PagerState> states_;
  std::uint64_t next_id_ = 1;
  std::uint64_t stale_ = 0;
};

/// Offset of the last page of `total` children (0 when none).
std::uint32_t last_page_offset(std::uint32_t total);

/// "mailbox", "memory", "reductions", "supervisor order".
const char* order_label(ChildOrder order);

/// The pager row's words: what is shown ("children 101–200 of 100,000"),
/// and what is going on ("loading 201–300…", "page unavailable: …").
struct PagerText {
  std::string range;
  std::string status;
  bool problem = false;  ///< status is an error or a lost answer
  bool can_prev = false, can_next = false;
};

/// `streamed` children came with the keyframe (the summary by mailbox),
/// `total` is the keyframe's children_total; `st` may be null (nothing asked yet).
PagerText pager_text(const PagerState* st, std::size_t streamed, std::uint32_t total);

}  // namespace beamscope::gui
