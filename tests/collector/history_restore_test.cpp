// A restarted collector's last hour read back from its recording into the
// history store: written by the real recording Writer, answered by the
// store as live ticks are (the producer's times and values).
#include <filesystem>
#include <unistd.h>

#include <gtest/gtest.h>

#include "beamscope/collector/history_restore.hpp"
#include "beamscope/protocol/history_series.hpp"
#include "beamscope/recording/writer.hpp"
#include "stream_fixtures.hpp"

namespace beamscope::collector {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000'000'000;
constexpr std::int64_t kS = 1'000'000;
constexpr std::int64_t kSkewUs = 3'000;  // the producer's clock runs behind the collector's

// Tick i of `node`: produced at kT0 + i s - kSkewUs, recorded at kT0 + i s.
v1::Envelope tick(const std::string& node, int i) {
  auto env = i == 0 ? testing::keyframe(node, 1, 1000) : testing::delta(node, 1 + i, 1000 + 3 * i, "<0.9.0>", i);
  env.set_timestamp_us(kT0 + i * kS - kSkewUs);
  auto* g = i == 0 ? env.mutable_keyframe()->mutable_gauges() : env.mutable_delta()->mutable_gauges();
  g->set_uptime_ms(static_cast<std::uint64_t>(50'000 + i * 1000));
  return env;
}

class HistoryRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("beamscope-restore-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "fleet.bsrec").string();
    std::string err;
    auto w = recording::Writer::open(path_, {}, err);
    ASSERT_TRUE(w) << err;
    for (int i = 0; i < kTicks; ++i)
      for (const char* node : {"a@h", "b@h"}) ASSERT_TRUE(w->append(tick(node, i), kT0 + i * kS)) << w->error();
    w->close();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static constexpr int kTicks = 120;
  std::filesystem::path dir_;
  std::string path_;
};

v1::HistoryAnswer series(const HistoryStore& store, const std::string& node) {
  v1::HistoryRequest r;
  r.set_series("process_count");
  return store.answer(node, r);
}

TEST_F(HistoryRestoreTest, TheWindowComesBackInTheProducersTime) {
  HistoryStore store;
  // The collector restarts 10 s after the last tick; a 60 s window.
  const auto r = restore_history(path_, store, kT0 + (kTicks - 1 + 10) * kS, 60 * kS);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.nodes, 2u);
  // Recorded at or after kT0 + 69 s: ticks 69..119 of each node.
  EXPECT_EQ(r.ticks, 2u * 51);
  for (const char* node : {"a@h", "b@h"}) {
    const auto a = series(store, node);
    ASSERT_TRUE(a.error().empty()) << a.error();
    ASSERT_EQ(a.points_size(), 51) << node;
    for (int k = 0; k < 51; ++k) {
      const int i = 69 + k;
      EXPECT_EQ(a.points(k).time_us(), kT0 + i * kS - kSkewUs) << node << " " << i;
      EXPECT_EQ(a.points(k).value(), 1000 + 3 * i) << node << " " << i;
    }
  }
}

TEST_F(HistoryRestoreTest, LiveTicksAlreadyHeldStayAndTheOlderOnesComeBefore) {
  HistoryStore store;
  // The agents reconnected first: ticks 115..119 live.
  for (int i = 115; i < kTicks; ++i) store.record("a@h", tick("a@h", i));
  const auto r = restore_history(path_, store, kT0 + kTicks * kS, 3600 * kS);
  EXPECT_EQ(r.ticks, 2u * kTicks);
  EXPECT_EQ(store.stats().restored, 2u * kTicks - 5);  // a@h's five live ones stay
  const auto a = series(store, "a@h");
  ASSERT_EQ(a.points_size(), kTicks);
  for (int i = 0; i < kTicks; ++i) EXPECT_EQ(a.points(i).value(), 1000 + 3 * i) << i;
}

// Two ticks of one second (an early tick after an alarm): the later
// replaces the earlier, as record() keeps them live.
TEST(HistoryRestore, ThinnedAsLiveTicksAre) {
  HistoryStore live, restored;
  std::vector<protocol::GaugeSample> ticks;
  for (int i = 0; i < 10; ++i) {
    for (int early : {0, 300}) {  // a tick, then one 300 ms after it
      auto env = tick("a@h", i);
      env.set_timestamp_us(env.timestamp_us() + early * 1000);
      env.mutable_delta()->mutable_gauges()->set_uptime_ms(50'000 + i * 1000 + early);
      if (i == 0) env.mutable_keyframe()->mutable_gauges()->set_uptime_ms(50'000 + early);
      live.record("a@h", env);
      const auto* g = i == 0 ? &env.keyframe().gauges() : &env.delta().gauges();
      ticks.push_back(protocol::gauge_sample(*g, 0, env.timestamp_us()));
    }
  }
  restored.restore("a@h", ticks);
  const auto a = series(live, "a@h"), b = series(restored, "a@h");
  ASSERT_EQ(a.points_size(), 10);
  ASSERT_EQ(b.points_size(), a.points_size());
  for (int k = 0; k < a.points_size(); ++k) {
    EXPECT_EQ(b.points(k).time_us(), a.points(k).time_us()) << k;
    EXPECT_EQ(b.points(k).value(), a.points(k).value()) << k;
  }
}

TEST_F(HistoryRestoreTest, StopRequestedRestoresNothing) {
  HistoryStore store;
  std::stop_source stop;
  stop.request_stop();
  const auto r = restore_history(path_, store, kT0 + kTicks * kS, 3600 * kS, stop.get_token());
  EXPECT_EQ(r.nodes, 0u);
  EXPECT_EQ(store.stats().ticks, 0u);
}

TEST_F(HistoryRestoreTest, MissingOrForeignFileSaysSo) {
  HistoryStore store;
  auto r = restore_history((dir_ / "missing.bsrec").string(), store, kT0, 3600 * kS);
  EXPECT_NE(r.error.find("missing.bsrec"), std::string::npos) << r.error;
  const auto junk = (dir_ / "junk.bsrec").string();
  { std::FILE* f = std::fopen(junk.c_str(), "w"); std::fputs("not a recording at all, not at all", f); std::fclose(f); }
  r = restore_history(junk, store, kT0, 3600 * kS);
  EXPECT_NE(r.error.find("not a beamscope recording"), std::string::npos) << r.error;
  EXPECT_EQ(store.stats().ticks, 0u);
}

}  // namespace
}  // namespace beamscope::collector
