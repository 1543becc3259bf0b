// ProcessPages: the every-process list asks the agent for the rows on
// screen and a margin, again when they leave the page held, when the
// order changes and every 2 s; answers to earlier requests are dropped.
#include <gtest/gtest.h>

#include "process_pages.hpp"

namespace beamscope::gui {
namespace {

using v1::ProcessesPage;
using v1::ProcessesRequest;

// The agent's answer to `req` over a node of `total` processes "<0.I.0>".
ProcessesPage answer(const ProcessesRequest& req, std::uint32_t total) {
  ProcessesPage page;
  page.set_request_id(req.request_id());
  page.set_offset(req.offset());
  page.set_total(total);
  page.set_sort(req.sort());
  page.set_ascending(req.ascending());
  for (std::uint32_t i = req.offset(); i < std::min(total, req.offset() + req.limit()); ++i)
    page.add_rows()->set_pid("<0." + std::to_string(i) + ".0>");
  return page;
}

TEST(ProcessPages, AsksForTheRowsOnScreenWithAMarginOnlyWhileShown) {
  ProcessPages p;
  EXPECT_FALSE(p.poll(0.0));  // the table was not drawn: nothing asked
  p.want({}, 0, 40);
  auto first = p.poll(0.1);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->sort(), ProcessesRequest::MAILBOX);
  EXPECT_FALSE(first->ascending());
  EXPECT_EQ(first->offset(), 0u);
  EXPECT_EQ(first->limit(), 120u);  // the screen and a screen either side
  p.want({}, 0, 40);
  EXPECT_FALSE(p.poll(0.2));  // in flight
  ASSERT_TRUE(p.receive(answer(*first, 200'000), 0.3));
  EXPECT_TRUE(p.answered());
  EXPECT_EQ(p.total(), 200'000u);
  ASSERT_NE(p.row(119), nullptr);
  EXPECT_EQ(p.row(119)->pid(), "<0.119.0>");
  EXPECT_EQ(p.row(120), nullptr);
  EXPECT_EQ(p.index_of("<0.7.0>"), 7);

  // Scrolling within the page held asks nothing; past it, the page around the screen.
  p.want({}, 60, 40);
  EXPECT_FALSE(p.poll(0.5));
  p.want({}, 100'000, 40);
  auto far = p.poll(0.6);
  ASSERT_TRUE(far);
  EXPECT_EQ(far->offset(), 99'960u);
  EXPECT_EQ(far->limit(), 120u);
  ASSERT_TRUE(p.receive(answer(*far, 200'000), 0.7));
  EXPECT_EQ(p.row(5), nullptr);
  EXPECT_EQ(p.row(100'000)->pid(), "<0.100000.0>");
  EXPECT_EQ(p.index_of("<0.100039.0>"), 100'039);

  // Shown and unchanged: asked again every 2 s (the sweep moves on).
  p.want({}, 100'000, 40);
  EXPECT_FALSE(p.poll(2.0));
  p.want({}, 100'000, 40);
  auto refresh = p.poll(2.8);
  ASSERT_TRUE(refresh);
  // Hidden: nothing more, and the answer on its way is stale.
  EXPECT_FALSE(p.poll(5.0));
  EXPECT_FALSE(p.receive(answer(*refresh, 200'000), 5.1));
  EXPECT_EQ(p.stale_answers(), 1u);
}

TEST(ProcessPages, AnotherOrderOrFilterDropsTheRowsAndTheAnswerOnItsWay) {
  ProcessPages p;
  p.want({}, 0, 10);
  auto by_mailbox = p.poll(0.0);
  ASSERT_TRUE(by_mailbox);
  ProcessQuery q;
  q.sort = ProcessesRequest::REDUCTIONS;
  q.name_filter = "worker";
  p.want(q, 0, 10);
  EXPECT_FALSE(p.answered());
  auto by_reds = p.poll(0.1);  // asked at once, not after the first answer
  ASSERT_TRUE(by_reds);
  EXPECT_EQ(by_reds->sort(), ProcessesRequest::REDUCTIONS);
  EXPECT_EQ(by_reds->name_filter(), "worker");
  EXPECT_FALSE(p.receive(answer(*by_mailbox, 50), 0.2));  // the old order's page
  EXPECT_EQ(p.stale_answers(), 1u);
  EXPECT_FALSE(p.answered());
  ASSERT_TRUE(p.receive(answer(*by_reds, 3), 0.3));
  EXPECT_EQ(p.total(), 3u);
  // A screen taller than what matches: the page that reaches the end covers it.
  p.want(q, 0, 10);
  EXPECT_FALSE(p.poll(0.4));
}

TEST(ProcessPages, TheAgentsRefusalIsHeldAndALostAnswerIsSaid) {
  ProcessPages p;
  p.want({}, 0, 30);
  auto req = p.poll(0.0);
  ASSERT_TRUE(req);
  // Lost: after 5 s it says so and asks again.
  p.want({}, 0, 30);
  EXPECT_FALSE(p.poll(4.0));
  p.want({}, 0, 30);
  auto again = p.poll(5.5);
  ASSERT_TRUE(again);
  EXPECT_EQ(p.problem(), "no answer from the agent in 5 s");
  ProcessesPage refused;
  refused.set_request_id(again->request_id());
  refused.set_error("this server does not serve process pages");
  ASSERT_TRUE(p.receive(refused, 5.6));
  EXPECT_TRUE(p.problem().empty());
  EXPECT_EQ(p.page().error(), "this server does not serve process pages");
  EXPECT_EQ(p.row(0), nullptr);
  // Asked again after 2 s, not every frame.
  p.want({}, 0, 30);
  EXPECT_FALSE(p.poll(6.0));
  p.want({}, 0, 30);
  EXPECT_TRUE(p.poll(7.7));
}

TEST(ProcessPages, ARequestNeverExceedsTheProtocolsPage) {
  ProcessPages p;
  p.want({}, 5'000, 3'000);  // a screen taller than a page can hold
  auto req = p.poll(0.0);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->offset(), 5'000u);
  EXPECT_EQ(req->limit(), 1'000u);
}

}  // namespace
}  // namespace beamscope::gui
