// Recorder: what it writes is every frame as it was given, in order,
// whatever the frames before it (keyframes and deltas that shrink and grow).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "beamscope/collector/recorder.hpp"
#include "beamscope/recording/reader.hpp"
#include "stream_fixtures.hpp"

using namespace beamscope;
using namespace beamscope::collector;

namespace {

v1::ProcessSample row(const std::string& pid, std::uint64_t mailbox, const std::string& fn) {
  v1::ProcessSample p;
  p.set_pid(pid);
  p.set_message_queue_len(mailbox);
  if (!fn.empty()) p.set_current_function(fn);
  return p;
}

// Frames of one node that shrink and grow, keyframes and deltas mixed.
std::vector<v1::Envelope> frames() {
  std::vector<v1::Envelope> out;
  auto key = [&](std::uint64_t seq, int rows) {
    auto env = beamscope::testing::envelope("a@h", seq);
    auto* k = env.mutable_keyframe();
    k->mutable_gauges()->set_process_count(1000 + seq);
    for (int i = 0; i < rows; ++i)
      *k->add_processes() = row("<0." + std::to_string(i) + ".0>", seq + i, i % 2 ? "gen_server:loop/7" : "");
    auto* t = k->add_tree();
    t->set_id("app/sup");
    t->set_name("sup");
    out.push_back(env);
  };
  auto delta = [&](std::uint64_t seq, int rows, bool gauges) {
    auto env = beamscope::testing::envelope("a@h", seq);
    auto* d = env.mutable_delta();
    if (gauges) d->mutable_gauges()->set_process_count(2000 + seq);
    for (int i = 0; i < rows; ++i)
      *d->add_upserted() = row("<0." + std::to_string(100 + i) + ".0>", seq * 10 + i, i % 3 ? "" : "a_very_long_module_name:some_function/3");
    if (rows == 0) d->add_removed("<0.1.0>");
    out.push_back(env);
  };
  key(1, 40);
  delta(2, 30, true);
  delta(3, 2, false);  // smaller than the one before, no gauges
  delta(4, 0, true);   // no rows at all
  delta(5, 50, true);
  key(6, 3);           // a keyframe smaller than the first
  delta(7, 1, false);
  return out;
}

}  // namespace

TEST(RecorderTest, WritesEveryFrameAsGiven) {
  const auto path = std::filesystem::temp_directory_path() / ("recorder_test_" + std::to_string(::getpid()) + ".bsrec");
  std::filesystem::remove(path);
  std::string error, note;
  RecorderOptions opts;
  opts.path = path.string();
  auto rec = Recorder::start(opts, error, &note);
  ASSERT_TRUE(rec) << error;
  const auto sent = frames();
  for (std::size_t i = 0; i < sent.size(); ++i) {
    rec->record(std::make_shared<const v1::Envelope>(sent[i]));
    // The first half written one by one, the rest queued together.
    if (i < sent.size() / 2) {
      ASSERT_TRUE(beamscope::testing::wait_until([&] { return rec->stats().frames_recorded == i + 1; })) << i;
    }
  }
  rec->stop();
  EXPECT_EQ(rec->stats().dropped_queue_full, 0u);

  auto reader = recording::Reader::open(path.string(), error);
  ASSERT_TRUE(reader) << error;
  std::vector<std::string> written;
  reader->scan([&](const recording::Record& r) {
    if (r.kind == recording::RecordKind::kFrame) written.push_back(r.envelope.SerializeAsString());
    return true;
  });
  ASSERT_EQ(written.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    v1::Envelope back;
    ASSERT_TRUE(back.ParseFromString(written[i]));
    EXPECT_EQ(back.DebugString(), sent[i].DebugString()) << "frame " << i;
  }
  std::filesystem::remove(path);
}
