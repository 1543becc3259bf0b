// The inspector's past of a live fleet from its collector (protocol 1.6,
// every node at once since 1.7):
// what CollectorPast asks and when, and what it shows of the answers.
#include <gtest/gtest.h>

#include "collector_past.hpp"

namespace beamscope::gui {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000'000'000;
constexpr std::int64_t kS = 1'000'000;

// The collector's answer to `req`: a span of [kT0, kT0 + 600 s]; a state
// whose process count is the second asked for.
v1::HistoryAnswer answer_to(const StateRequest& req, const std::string& error = "") {
  v1::HistoryAnswer a;
  a.set_request_id(req.request.request_id());
  a.set_log(v1::HistoryRequest::STATE);
  a.set_oldest_us(kT0);
  a.set_newest_us(kT0 + 600 * kS);
  if (!error.empty()) {
    a.set_error(error);
    return a;
  }
  if (req.request.span_only()) return a;
  a.mutable_state()->mutable_gauges()->set_process_count(static_cast<std::uint64_t>((req.request.to_us() - kT0) / kS));
  a.set_state_us(req.request.to_us());
  a.mutable_state_history()->add_time_us(req.request.to_us());
  a.mutable_state_history()->add_uptime_ms(1000);
  return a;
}

// Follows a@h at a collector that answered its span (it records it).
void follow_recorded(CollectorPast& past) {
  past.follow(0, "a@h");
  auto span = past.request(0.0);
  ASSERT_TRUE(span);
  past.receive("a@h", answer_to(*span), 0.0);
}

TEST(CollectorPast, LiveAsksTheSpanAndOffersThePastOnlyWhenRecorded) {
  CollectorPast past;
  ReplayControl bar;
  EXPECT_FALSE(past.request(0.0));  // no node shown yet
  past.follow(1, "a@h");
  auto span = past.request(0.0);
  ASSERT_TRUE(span);
  EXPECT_EQ(span->source, 1u);
  EXPECT_EQ(span->node, "a@h");
  EXPECT_TRUE(span->request.span_only());
  EXPECT_EQ(span->request.log(), v1::HistoryRequest::STATE);
  EXPECT_FALSE(past.request(1.0));  // in flight
  past.offer(bar);
  EXPECT_FALSE(bar.past_offered);
  past.receive("a@h", answer_to(*span), 1.0);
  past.offer(bar);
  EXPECT_TRUE(bar.past_offered);
  EXPECT_EQ(bar.first_us, kT0);
  EXPECT_EQ(bar.last_us, kT0 + 600 * kS);
  EXPECT_EQ(bar.at_us, bar.last_us);
  // Asked again every kSpanEveryS from the last question, not before.
  EXPECT_FALSE(past.request(CollectorPast::kSpanEveryS - 0.5));
  EXPECT_TRUE(past.request(CollectorPast::kSpanEveryS));

  // A collector that records nothing (or an agent): no offer, and why.
  CollectorPast plain;
  plain.follow(0, "b@h");
  auto req = plain.request(0.0);
  plain.receive("b@h", answer_to(*req, "this collector records nothing"), 0.1);
  plain.offer(bar);
  EXPECT_FALSE(bar.past_offered);
  EXPECT_TRUE(plain.span_known());
  EXPECT_EQ(plain.note(), "this collector records nothing");
  // Asked again, but seldom.
  EXPECT_FALSE(plain.request(CollectorPast::kSpanEveryS + 1));
  EXPECT_TRUE(plain.request(CollectorPast::kUnrecordedEveryS));
}

TEST(CollectorPast, SeeksAskOneStateAtATimeAndShowTheLast) {
  CollectorPast past;
  follow_recorded(past);
  ReplayControl bar;
  past.enter(kT0 + 100 * kS, bar);
  EXPECT_TRUE(bar.active);
  EXPECT_TRUE(bar.from_collector);
  EXPECT_TRUE(past.pending());

  auto first = past.request(1.0);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->request.span_only());
  EXPECT_EQ(first->request.to_us(), kT0 + 100 * kS);
  // The person drags on while it is asked: one question in flight.
  bar.seek(kT0 + 200 * kS);
  EXPECT_FALSE(past.update(bar, 1.1));
  EXPECT_FALSE(past.request(1.1));
  EXPECT_EQ(bar.at_us, kT0 + 200 * kS);  // the bar shows where it goes
  past.receive("a@h", answer_to(*first), 1.2);
  EXPECT_TRUE(past.update(bar, 1.2));
  ASSERT_EQ(past.snapshots().size(), 1u);
  EXPECT_EQ(past.snapshots()[0]->gauges().process_count(), 100u);
  auto histories = past.take_histories();
  ASSERT_EQ(histories.count("a@h"), 1u);
  EXPECT_EQ(histories["a@h"].time_us(0), kT0 + 100 * kS);
  EXPECT_TRUE(past.take_histories().empty());  // once

  // Then the newest seek, no sooner than kMinGapS after the last question.
  EXPECT_FALSE(past.request(1.0 + CollectorPast::kMinGapS - 0.01));
  auto second = past.request(1.0 + CollectorPast::kMinGapS);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->request.to_us(), kT0 + 200 * kS);
  // A late answer to another question is dropped.
  past.receive("a@h", answer_to(*first), 1.3);
  EXPECT_EQ(past.snapshots()[0]->gauges().process_count(), 100u);
  past.receive("a@h", answer_to(*second), 1.4);
  past.update(bar, 1.4);
  EXPECT_EQ(past.snapshots()[0]->gauges().process_count(), 200u);
  EXPECT_EQ(bar.at_us, kT0 + 200 * kS);
  EXPECT_FALSE(past.pending());
  EXPECT_FALSE(past.request(5.0));  // shown: nothing more to ask

  // Seeks are held within the recording.
  bar.seek_us = kT0 + 9999 * kS;
  past.update(bar, 5.0);
  auto clamped = past.request(5.0);
  ASSERT_TRUE(clamped);
  EXPECT_EQ(clamped->request.to_us(), kT0 + 600 * kS);
}

// Protocol 1.7: one answer a node; the fleet is shown once every node
// answered, never half at one time and half at another.
TEST(CollectorPast, BackInTimeShowsEveryNodeOnceAllAnswered) {
  CollectorPast past;
  follow_recorded(past);
  ReplayControl bar;
  past.enter(kT0 + 100 * kS, bar);
  auto req = past.request(1.0);
  ASSERT_TRUE(req);
  EXPECT_TRUE(req->request.every_node());
  EXPECT_EQ(req->node, "a@h");  // whose charts come
  auto part = [&](const std::string& node, std::uint64_t count, const std::string& error = "") {
    auto a = answer_to(*req, error);
    a.set_nodes(2);
    if (error.empty()) a.mutable_state()->mutable_gauges()->set_process_count(count);
    if (node != req->node) a.clear_state_history();
    return a;
  };
  past.receive("b@h", part("b@h", 20), 1.1);
  EXPECT_FALSE(past.update(bar, 1.1));
  EXPECT_TRUE(past.snapshots().empty());
  EXPECT_TRUE(past.pending());
  past.receive("b@h", part("b@h", 99), 1.15);  // said twice: the first stands
  past.receive("a@h", part("a@h", 10), 1.2);
  EXPECT_TRUE(past.update(bar, 1.2));
  EXPECT_FALSE(past.pending());
  ASSERT_EQ(past.snapshots().size(), 2u);
  EXPECT_EQ(past.snapshots()[0]->gauges().process_count(), 10u);  // by node name
  EXPECT_EQ(past.snapshots()[1]->gauges().process_count(), 20u);
  auto histories = past.take_histories();
  EXPECT_EQ(histories.size(), 1u);
  EXPECT_EQ(histories.count("a@h"), 1u);

  // Another node picked: the same time asked again, with its charts.
  past.focus("b@h");
  EXPECT_TRUE(past.pending());
  auto again = past.request(2.0);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->node, "b@h");
  EXPECT_EQ(again->request.to_us(), kT0 + 100 * kS);
  req = again;
  // One node's state too large for a frame: the others are shown, and why not it.
  past.receive("a@h", part("a@h", 0, "the state of 'a@h' at that time is larger than a frame"), 2.1);
  past.receive("b@h", part("b@h", 21), 2.1);
  EXPECT_TRUE(past.update(bar, 2.1));
  ASSERT_EQ(past.snapshots().size(), 1u);
  EXPECT_EQ(past.snapshots()[0]->gauges().process_count(), 21u);
  EXPECT_EQ(bar.note, "a@h: the state of 'a@h' at that time is larger than a frame");
  EXPECT_EQ(past.take_histories().count("b@h"), 1u);

  // A server that claims more nodes than a collector holds is believed up
  // to kMaxNodes: the fleet is shown then, and what comes after is dropped.
  past.focus("a@h");
  req = past.request(3.0);
  ASSERT_TRUE(req);
  for (std::size_t i = 0; i < CollectorPast::kMaxNodes + 5; ++i) {
    auto a = answer_to(*req);
    a.set_nodes(1'000'000);
    past.receive("n" + std::to_string(100000 + i) + "@h", a, 3.1);
  }
  EXPECT_TRUE(past.update(bar, 3.1));
  EXPECT_EQ(past.snapshots().size(), CollectorPast::kMaxNodes);
  EXPECT_FALSE(past.pending());
}

TEST(CollectorPast, RefusalIsShownAndNotAskedAgain) {
  CollectorPast past;
  follow_recorded(past);
  ReplayControl bar;
  past.enter(kT0 + 10 * kS, bar);
  auto req = past.request(1.0);
  past.receive("a@h", answer_to(*req, "no node 'a@h' in the collector's recording at ..."), 1.1);
  past.update(bar, 1.1);
  EXPECT_TRUE(past.snapshots().empty());
  EXPECT_EQ(bar.note, "no node 'a@h' in the collector's recording at ...");
  EXPECT_FALSE(past.pending());
  EXPECT_FALSE(past.request(3.0));
}

TEST(CollectorPast, LostAnswerIsAskedAgainAndPlayingReachesLive) {
  CollectorPast past;
  follow_recorded(past);
  ReplayControl bar;
  past.enter(kT0 + 590 * kS, bar);
  auto lost = past.request(1.0);
  ASSERT_TRUE(lost);
  EXPECT_FALSE(past.request(1.0 + CollectorPast::kAnswerTimeoutS - 0.1));
  auto again = past.request(1.0 + CollectorPast::kAnswerTimeoutS);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->request.to_us(), lost->request.to_us());
  EXPECT_NE(again->request.request_id(), lost->request.request_id());

  // Playing moves with the clock; past the recording's end it is live again.
  bar.playing = true;
  past.update(bar, 10.0);
  EXPECT_FALSE(bar.back_to_live);
  past.update(bar, 15.0);
  EXPECT_FALSE(bar.back_to_live);
  past.update(bar, 20.5);
  EXPECT_TRUE(bar.back_to_live);
}

}  // namespace
}  // namespace beamscope::gui
