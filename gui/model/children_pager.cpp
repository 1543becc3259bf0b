// Paging state of huge supervisors; see children_pager.hpp.
#include "children_pager.hpp"

#include <algorithm>

#include "format.hpp"

namespace beamscope::gui {

std::uint32_t last_page_offset(std::uint32_t total) {
  return total == 0 ? 0 : (total - 1) / ChildrenPager::kPageSize * ChildrenPager::kPageSize;
}

const char* order_label(ChildOrder order) {
  switch (order) {
    case v1::ChildrenRequest::BY_MAILBOX: return "mailbox";
    case v1::ChildrenRequest::BY_MEMORY: return "memory";
    case v1::ChildrenRequest::BY_REDUCTIONS: return "reductions";
    case v1::ChildrenRequest::SUPERVISOR_ORDER: return "supervisor order";
    default: return "?";
  }
}

PagerState& ChildrenPager::state(const std::string& sup) {
  auto it = states_.find(sup);
  if (it != states_.end()) return it->second;
  // Bounded: forget the pager used longest ago (never one waiting for an answer).
  if (states_.size() >= kMaxSupervisors) {
    auto oldest = states_.end();
    for (auto s = states_.begin(); s != states_.end(); ++s)
      if (!s->second.in_flight && (oldest == states_.end() || s->second.sent_at < oldest->second.sent_at)) oldest = s;
    if (oldest != states_.end()) states_.erase(oldest);
  }
  return states_[sup];
}

const PagerState* ChildrenPager::find(const std::string& sup) const {
  auto it = states_.find(sup);
  return it == states_.end() ? nullptr : &it->second;
}

std::optional<v1::ChildrenRequest> ChildrenPager::poll(const std::string& sup, std::uint32_t total, double now) {
  PagerState& st = state(sup);
  if (st.in_flight) {
    if (now - st.sent_at < kAnswerTimeoutS) return std::nullopt;
    // The answer is lost (or the agent is stuck): say so; a late one is stale.
    st.in_flight = false;
    st.error = "no answer within " + std::to_string(static_cast<int>(kAnswerTimeoutS)) + " s";
    st.error_at = now;
  }
  bool due;
  if (!st.error.empty()) due = now - st.error_at >= kRetryS;
  else if (st.current()) due = now - st.page_at >= kRefreshS;
  else due = true;
  if (!due) return std::nullopt;
  // A position past the end (children went away since): the last page.
  const std::uint32_t known = st.page ? st.page->total() : total;
  if (st.offset > last_page_offset(known)) st.offset = last_page_offset(known);
  v1::ChildrenRequest req;
  req.set_request_id(next_id_++);
  req.set_supervisor_id(sup);
  req.set_offset(st.offset);
  req.set_limit(kPageSize);
  req.set_order(st.order);
  st.sent_id = req.request_id();
  st.in_flight = true;
  st.sent_at = now;
  return req;
}

bool ChildrenPager::receive(const v1::ChildrenPage& page, double now) {
  auto it = states_.find(page.supervisor_id());
  if (it == states_.end() || page.request_id() != it->second.sent_id || page.request_id() == 0) {
    ++stale_;
    return false;
  }
  PagerState& st = it->second;
  // A late answer to a request already given up on still carries the latest id: take it.
  st.in_flight = false;
  if (!page.error().empty()) {
    st.error = page.error();
    st.error_at = now;
    return true;
  }
  st.page = std::make_shared<const v1::ChildrenPage>(page);
  st.page_at = now;
  if (st.current()) st.error.clear();
  return true;
}

void ChildrenPager::go(const std::string& sup, std::uint32_t offset) {
  PagerState& st = state(sup);
  offset = offset / kPageSize * kPageSize;
  if (offset == st.offset) return;
  st.offset = offset;
  st.error.clear();  // the error was about the old position
}

void ChildrenPager::prev(const std::string& sup) {
  const PagerState& st = state(sup);
  go(sup, st.offset >= kPageSize ? st.offset - kPageSize : 0);
}

void ChildrenPager::next(const std::string& sup, std::uint32_t total) {
  const PagerState& st = state(sup);
  go(sup, std::min(st.offset + kPageSize, last_page_offset(total)));
}

void ChildrenPager::last(const std::string& sup, std::uint32_t total) { go(sup, last_page_offset(total)); }

void ChildrenPager::set_order(const std::string& sup, ChildOrder order) {
  PagerState& st = state(sup);
  if (order == st.order) return;
  st.order = order;
  st.offset = 0;  // page 3 by memory has nothing to do with page 3 by mailbox
  st.error.clear();
}

namespace {

std::string span(std::uint64_t first, std::uint64_t last) {
  return format_count(first) + "\xE2\x80\x93" + format_count(last);  // en dash
}

}  // namespace

PagerText pager_text(const PagerState* st, std::size_t streamed, std::uint32_t total) {
  PagerText t;
  const bool paged = st && st->page;
  const std::uint32_t shown_total = paged ? st->page->total() : total;
  const std::uint64_t first = paged ? st->page->offset() : 0;
  const std::uint64_t count = paged ? static_cast<std::uint64_t>(st->page->children_size()) : streamed;
  t.range = count == 0 ? "no children here of " + format_count(shown_total)
                       : "children " + span(first + 1, first + count) + " of " + format_count(shown_total);
  if (!st) {
    t.can_next = ChildrenPager::kPageSize < shown_total;
    return t;
  }
  t.can_prev = st->offset > 0;
  t.can_next = st->offset + ChildrenPager::kPageSize < shown_total;
  if (!st->error.empty()) {
    t.status = "page unavailable: " + st->error;
    t.problem = true;
  } else if (st->in_flight && !st->current()) {
    const std::uint64_t end = std::min<std::uint64_t>(st->offset + ChildrenPager::kPageSize, shown_total);
    t.status = "loading " + span(st->offset + 1, std::max<std::uint64_t>(end, st->offset + 1)) + "\xE2\x80\xA6";
  }
  return t;
}

}  // namespace beamscope::gui
