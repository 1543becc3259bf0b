// ChildrenPager: when requests are due (new position, stale page, retry),
// which answers count, and the pager row's words.
#include <gtest/gtest.h>

#include "children_pager.hpp"

namespace beamscope::gui {
namespace {

constexpr const char* kSup = "demo/demo_sup/pool_sup";

v1::ChildrenPage answer(const v1::ChildrenRequest& req, std::uint32_t total, int children = -1) {
  v1::ChildrenPage p;
  p.set_request_id(req.request_id());
  p.set_supervisor_id(req.supervisor_id());
  p.set_offset(req.offset());
  p.set_order(req.order());
  p.set_total(total);
  const std::uint32_t n = children >= 0 ? static_cast<std::uint32_t>(children)
                                        : std::min(req.limit(), total > req.offset() ? total - req.offset() : 0);
  for (std::uint32_t i = 0; i < n; ++i) p.add_children()->set_id(std::string(kSup) + "/" + std::to_string(req.offset() + i));
  return p;
}

v1::ChildrenPage error_page(const v1::ChildrenRequest& req, const std::string& why) {
  v1::ChildrenPage p;
  p.set_request_id(req.request_id());
  p.set_supervisor_id(req.supervisor_id());
  p.set_error(why);
  return p;
}

TEST(ChildrenPager, FirstPollAsksForTheFirstPageByMailboxThenWaits) {
  ChildrenPager pager;
  EXPECT_EQ(pager.find(kSup), nullptr);  // nothing asked before the pager is on screen
  auto req = pager.poll(kSup, 100000, 0.0);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->supervisor_id(), kSup);
  EXPECT_EQ(req->offset(), 0u);
  EXPECT_EQ(req->limit(), ChildrenPager::kPageSize);
  EXPECT_EQ(req->order(), v1::ChildrenRequest::BY_MAILBOX);
  EXPECT_FALSE(pager.poll(kSup, 100000, 0.5));  // one in flight per supervisor
  EXPECT_TRUE(pager.receive(answer(*req, 100000), 0.6));
  EXPECT_TRUE(pager.find(kSup)->current());
  EXPECT_FALSE(pager.poll(kSup, 100000, 1.0));
  // Shown longer than kRefreshS: asked again, same position.
  auto again = pager.poll(kSup, 100000, 0.6 + ChildrenPager::kRefreshS);
  ASSERT_TRUE(again);
  EXPECT_GT(again->request_id(), req->request_id());
  EXPECT_EQ(again->offset(), 0u);
}

TEST(ChildrenPager, MovingAsksForTheNewPositionAndShowsTheOldPageMeanwhile) {
  ChildrenPager pager;
  auto req = pager.poll(kSup, 100000, 0.0);
  pager.receive(answer(*req, 100000), 0.1);
  pager.next(kSup, 100000);
  auto next = pager.poll(kSup, 100000, 0.2);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->offset(), 100u);
  PagerText t = pager_text(pager.find(kSup), 100, 100000);
  EXPECT_EQ(t.range, "children 1\xE2\x80\x93" "100 of 100,000");  // still the old page
  EXPECT_EQ(t.status, "loading 101\xE2\x80\x93" "200\xE2\x80\xA6");
  EXPECT_FALSE(t.problem);
  pager.receive(answer(*next, 100000), 0.3);
  t = pager_text(pager.find(kSup), 100, 100000);
  EXPECT_EQ(t.range, "children 101\xE2\x80\x93" "200 of 100,000");
  EXPECT_TRUE(t.status.empty());
  EXPECT_TRUE(t.can_prev);
  EXPECT_TRUE(t.can_next);
}

TEST(ChildrenPager, NavigationStaysInsideTheChildren) {
  ChildrenPager pager;
  pager.last(kSup, 100000);
  EXPECT_EQ(pager.find(kSup)->offset, 99900u);
  pager.next(kSup, 100000);
  EXPECT_EQ(pager.find(kSup)->offset, 99900u);
  pager.prev(kSup);
  EXPECT_EQ(pager.find(kSup)->offset, 99800u);
  pager.first(kSup);
  pager.prev(kSup);
  EXPECT_EQ(pager.find(kSup)->offset, 0u);
  pager.go(kSup, 250);
  EXPECT_EQ(pager.find(kSup)->offset, 200u);  // whole pages
  pager.set_order(kSup, v1::ChildrenRequest::BY_MEMORY);
  EXPECT_EQ(pager.find(kSup)->offset, 0u);  // a new order starts at its top
  auto req = pager.poll(kSup, 100000, 0.0);
  EXPECT_EQ(req->order(), v1::ChildrenRequest::BY_MEMORY);
  EXPECT_EQ(last_page_offset(0), 0u);
  EXPECT_EQ(last_page_offset(100), 0u);
  EXPECT_EQ(last_page_offset(101), 100u);
}

TEST(ChildrenPager, AnswersToOlderRequestsAreStale) {
  ChildrenPager pager;
  auto first = pager.poll(kSup, 100000, 0.0);
  // No answer within the timeout: said so, asked again after kRetryS.
  EXPECT_FALSE(pager.poll(kSup, 100000, ChildrenPager::kAnswerTimeoutS));
  const PagerText t = pager_text(pager.find(kSup), 100, 100000);
  EXPECT_EQ(t.status, "page unavailable: no answer within 5 s");
  EXPECT_TRUE(t.problem);
  const double retry_at = ChildrenPager::kAnswerTimeoutS + ChildrenPager::kRetryS;
  EXPECT_FALSE(pager.poll(kSup, 100000, retry_at - 0.1));
  auto second = pager.poll(kSup, 100000, retry_at);
  ASSERT_TRUE(second);
  EXPECT_FALSE(pager.receive(answer(*first, 100000), retry_at + 0.1));  // the late one
  EXPECT_EQ(pager.stale_answers(), 1u);
  EXPECT_FALSE(pager.find(kSup)->page);
  EXPECT_TRUE(pager.receive(answer(*second, 100000), retry_at + 0.2));
  EXPECT_TRUE(pager.find(kSup)->current());
  EXPECT_TRUE(pager.find(kSup)->error.empty());
  // Unknown supervisors and repeated answers are dropped too.
  v1::ChildrenPage other = answer(*second, 10);
  other.set_supervisor_id("elsewhere");
  EXPECT_FALSE(pager.receive(other, retry_at + 0.3));
  EXPECT_EQ(pager.stale_answers(), 2u);
}

TEST(ChildrenPager, ErrorPageIsShownAndRetriedLater) {
  ChildrenPager pager;
  auto req = pager.poll(kSup, 100000, 0.0);
  EXPECT_TRUE(pager.receive(error_page(*req, "this server does not serve children pages"), 0.1));
  const PagerText t = pager_text(pager.find(kSup), 100, 100000);
  EXPECT_EQ(t.range, "children 1\xE2\x80\x93" "100 of 100,000");  // the streamed summary stays
  EXPECT_EQ(t.status, "page unavailable: this server does not serve children pages");
  EXPECT_TRUE(t.problem);
  EXPECT_FALSE(pager.poll(kSup, 100000, 5.0));
  EXPECT_TRUE(pager.poll(kSup, 100000, 0.1 + ChildrenPager::kRetryS));
  // Moving clears the error (it was about the old position) and asks at once.
  ChildrenPager p2;
  req = p2.poll(kSup, 100000, 0.0);
  p2.receive(error_page(*req, "no such supervisor"), 0.1);
  p2.next(kSup, 100000);
  EXPECT_TRUE(p2.find(kSup)->error.empty());
  EXPECT_TRUE(p2.poll(kSup, 100000, 0.2));
}

TEST(ChildrenPager, PositionPastTheEndFallsBackToTheLastPage) {
  ChildrenPager pager;
  pager.last(kSup, 100000);
  auto req = pager.poll(kSup, 100000, 0.0);
  pager.receive(answer(*req, 150, 0), 0.1);  // most children went away meanwhile
  EXPECT_EQ(pager_text(pager.find(kSup), 100, 100000).range, "no children here of 150");
  auto again = pager.poll(kSup, 100000, 0.1 + ChildrenPager::kRefreshS);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->offset(), 100u);
}

TEST(ChildrenPager, RemembersABoundedNumberOfSupervisors) {
  ChildrenPager pager;
  for (std::size_t i = 0; i < ChildrenPager::kMaxSupervisors + 10; ++i) {
    auto req = pager.poll("sup/" + std::to_string(i), 5000, static_cast<double>(i));
    pager.receive(answer(*req, 5000), static_cast<double>(i));
  }
  EXPECT_EQ(pager.size(), ChildrenPager::kMaxSupervisors);
  EXPECT_EQ(pager.find("sup/0"), nullptr);  // the oldest went first
  EXPECT_NE(pager.find("sup/265"), nullptr);
}

TEST(ChildrenPager, TextBeforeAnyRequest) {
  const PagerText t = pager_text(nullptr, 100, 100000);
  EXPECT_EQ(t.range, "children 1\xE2\x80\x93" "100 of 100,000");
  EXPECT_TRUE(t.status.empty());
  EXPECT_FALSE(t.can_prev);
  EXPECT_TRUE(t.can_next);
  EXPECT_STREQ(order_label(v1::ChildrenRequest::SUPERVISOR_ORDER), "supervisor order");
}

}  // namespace
}  // namespace beamscope::gui
