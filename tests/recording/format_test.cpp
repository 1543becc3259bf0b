// The recording round trip: what the reader rebuilds at any time equals
// what applying the stream gave at that time; segments bound a seek; the
// wall clock going back; appending; bad headers.
#include <filesystem>

#include <gtest/gtest.h>

#include "beamscope/protocol/version.hpp"
#include "beamscope/recording/format.hpp"
#include "beamscope/recording/info.hpp"
#include "recording_fixtures.hpp"

namespace beamscope::recording {
namespace {

using testing::FleetGen;
using testing::fleet_state;

TEST(RecordingFormat, StateAtEveryTickEqualsTheStream) {
  FleetGen gen({.nodes = 3, .hot = 40, .tree = 30});
  const auto w = testing::write_fleet("round.bsrec", gen, 95, {.segment_us = 20'000'000, .flush_us = 1'000'000});
  std::string error;
  auto r = Reader::open(w.path, error);
  ASSERT_TRUE(r) << error;
  EXPECT_FALSE(r->index_damage());
  EXPECT_EQ(r->first_us(), w.tick_us.front());
  EXPECT_EQ(r->last_us(), w.tick_us.back());
  for (std::size_t k = 0; k < w.tick_us.size(); ++k) {
    // Between this tick and the next: exactly this tick's state.
    auto s = r->state_at(w.tick_us[k] + 500'000);
    EXPECT_FALSE(s.damage) << s.damage->describe();
    EXPECT_EQ(fleet_state(s.fleet), w.after_tick[k]) << "tick " << k;
    // At the tick's own time: its frames are included (at or before).
    EXPECT_EQ(fleet_state(r->state_at(w.tick_us[k]).fleet), w.after_tick[k]) << "tick " << k;
  }
  EXPECT_EQ(fleet_state(r->state_at(INT64_MAX).fleet), w.after_tick.back());
  EXPECT_TRUE(r->state_at(w.tick_us.front() - 1).fleet.nodes().empty());
}

TEST(RecordingFormat, ASeekDecodesOneSegment) {
  FleetGen gen({.nodes = 3, .hot = 20, .tree = 10});
  const auto w = testing::write_fleet("segments.bsrec", gen, 100, {.segment_us = 10'000'000, .flush_us = 1'000'000});
  EXPECT_EQ(w.stats.segments, 10u);
  EXPECT_EQ(w.stats.frames, 300u);
  std::string error;
  auto r = Reader::open(w.path, error);
  ASSERT_TRUE(r) << error;
  // A segment: 3 checkpoints (none in the first) and 10 ticks of 3 frames.
  for (std::size_t k = 0; k < w.tick_us.size(); k += 7) {
    const auto s = r->state_at(w.tick_us[k]);
    EXPECT_LE(s.records_applied, 33u) << "tick " << k;
    EXPECT_EQ(fleet_state(s.fleet), w.after_tick[k]);
  }
  const auto info = inspect(*r);
  EXPECT_EQ(info.totals.frames, 300u);
  EXPECT_EQ(info.totals.checkpoints, 27u);
  EXPECT_EQ(info.totals.segments, 10u);
  EXPECT_EQ(info.nodes.size(), 3u);
  EXPECT_EQ(info.nodes.begin()->second.frames, 100u);
  EXPECT_EQ(info.nodes.begin()->second.keyframes, 11u);  // the first frame and every 10th tick
  EXPECT_FALSE(info.totals.damage);
  EXPECT_EQ(info.totals.intact_end, r->file_bytes());
}

TEST(RecordingFormat, ChunksReachTheFileAtTheFlushInterval) {
  FleetGen gen({.nodes = 2, .hot = 10, .tree = 5});
  const auto w = testing::write_fleet("flush.bsrec", gen, 20, {.flush_us = 1'000'000});
  // A chunk a tick (the frames of tick k+1 push out tick k's chunk).
  EXPECT_EQ(w.stats.chunks, 20u);
  std::string error;
  auto r = Reader::open(w.path, error);
  ASSERT_TRUE(r) << error;
  for (const auto& c : r->chunks()) EXPECT_LT(c.t_last_us - c.t_first_us, 1'000'000);
}

TEST(RecordingFormat, WallClockGoingBackIsSearchedByArrivalOrder) {
  FleetGen gen({.nodes = 1, .hot = 5, .tree = 3});
  const std::string path = testing::temp_path("clock.bsrec");
  std::filesystem::remove(path);
  std::string error;
  auto w = Writer::open(path, {.flush_us = 1'000'000}, error);
  ASSERT_TRUE(w) << error;
  // Times: 100, 101, 102, then the clock steps back 1 h, then 103, 104.
  const std::int64_t base = 1'800'000'000'000'000;
  const std::int64_t times[] = {base, base + 1'000'000, base + 2'000'000, base - 3'600'000'000, base + 3'000'000,
                                base + 4'000'000};
  protocol::FleetModel truth(protocol::kLargestLimits);
  std::vector<std::map<std::string, std::string>> after;
  for (auto t : times) {
    for (const auto& env : gen.tick()) {
      ASSERT_TRUE(w->append(env, t));
      truth.apply(env);
    }
    after.push_back(fleet_state(truth));
  }
  w->close();
  EXPECT_EQ(w->stats().clock_backsteps, 1u);
  auto r = Reader::open(path, error);
  ASSERT_TRUE(r) << error;
  // The frame of the step back is held at the newest time (base+2 s): the
  // state at base+2.5 s includes it; at base+3 s the next one.
  EXPECT_EQ(fleet_state(r->state_at(base + 2'500'000).fleet), after[3]);
  EXPECT_EQ(fleet_state(r->state_at(base + 3'000'000).fleet), after[4]);
  EXPECT_EQ(fleet_state(r->state_at(base - 3'600'000'000).fleet).size(), 0u);
  for (std::size_t i = 1; i < r->chunks().size(); ++i)
    EXPECT_GE(r->chunks()[i].t_first_us, r->chunks()[i - 1].t_last_us);
  EXPECT_EQ(inspect(*r).totals.clock_backsteps, 1u);
}

TEST(RecordingFormat, NodeGoneLeavesTheReplayedFleet) {
  FleetGen gen({.nodes = 2, .hot = 5, .tree = 3});
  const std::string path = testing::temp_path("gone.bsrec");
  std::filesystem::remove(path);
  std::string error;
  auto w = Writer::open(path, {.segment_us = 3'000'000}, error);
  ASSERT_TRUE(w) << error;
  std::string gone_node;
  for (int k = 0; k < 3; ++k)
    for (const auto& env : gen.tick()) {
      w->append(env, gen.now_us());
      gone_node = env.node();
    }
  protocol::Envelope gone;
  gone.set_version_major(protocol::kVersionMajor);
  gone.set_node(gone_node);
  gone.mutable_node_gone()->set_reason("agent silent");
  w->append(gone, gen.now_us() + 100'000);
  // A later segment's checkpoint does not bring it back either.
  for (int k = 0; k < 5; ++k)
    for (auto env : gen.tick())
      if (env.node() != gone_node) w->append(env, gen.now_us());
  w->close();
  auto r = Reader::open(path, error);
  ASSERT_TRUE(r) << error;
  EXPECT_NE(r->state_at(gen.now_us() - 5'000'000).fleet.find(gone_node), nullptr);
  EXPECT_EQ(r->state_at(gen.now_us() - 5'000'000 + 200'000).fleet.find(gone_node), nullptr);
  const auto end = r->state_at(INT64_MAX);
  EXPECT_EQ(end.fleet.find(gone_node), nullptr);
  EXPECT_EQ(end.fleet.size(), 1u);
}

TEST(RecordingFormat, ReopeningAppendsAfterTheLastChunk) {
  FleetGen gen({.nodes = 2, .hot = 10, .tree = 5});
  auto first = testing::write_fleet("append.bsrec", gen, 12, {.segment_us = 5'000'000});
  std::string error, note;
  protocol::FleetModel truth(protocol::kLargestLimits);
  {
    auto w = Writer::open(first.path, {.segment_us = 5'000'000}, error, &note);
    ASSERT_TRUE(w) << error;
    EXPECT_NE(note.find("appending"), std::string::npos) << note;
    for (int k = 0; k < 8; ++k)
      for (const auto& env : gen.tick()) w->append(env, gen.now_us());
  }
  auto r = Reader::open(first.path, error);
  ASSERT_TRUE(r) << error;
  const auto info = inspect(*r);
  EXPECT_EQ(info.totals.frames, 40u);
  EXPECT_FALSE(info.totals.damage);
  EXPECT_EQ(fleet_state(r->state_at(first.tick_us.back()).fleet), first.after_tick.back());
  EXPECT_EQ(r->last_us(), gen.now_us());
  // The second run's frames apply: both nodes are at seq 20.
  const auto end = r->state_at(INT64_MAX);
  for (const auto& [name, node] : end.fleet.nodes()) EXPECT_EQ(node.seq(), 20u) << name;
}

TEST(RecordingFormat, FileHeaderRoundTrip) {
  std::string error;
  const auto bytes = encode_file_header({.version = kFormatVersion, .created_at_us = 123456});
  ASSERT_EQ(bytes.size(), kFileHeaderBytes);
  auto h = decode_file_header(bytes, error);
  ASSERT_TRUE(h) << error;
  EXPECT_EQ(h->created_at_us, 123456);
  ChunkHeader c{.flags = kSegmentStart, .payload_bytes = 10, .raw_bytes = 200, .first_frame = 7, .records = 3,
                .clock_backsteps = 1, .t_first_us = 5, .t_last_us = 9, .payload_crc = 0xdeadbeef};
  const auto cb = encode_chunk_header(c);
  ASSERT_EQ(cb.size(), kChunkHeaderBytes);
  auto d = decode_chunk_header(cb, error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->first_frame, 7u);
  EXPECT_EQ(d->payload_crc, 0xdeadbeefu);
  EXPECT_EQ(d->t_last_us, 9);
}

TEST(RecordingFormat, BadFilesAreRefusedWithTheReason) {
  std::string error;
  const std::string path = testing::temp_path("bad.bsrec");
  auto refused = [&](const std::string& bytes) {
    testing::write_file(path, bytes);
    error.clear();
    return Reader::open(path, error) == nullptr;
  };
  EXPECT_TRUE(refused(""));
  EXPECT_NE(error.find("not a beamscope recording"), std::string::npos) << error;
  EXPECT_TRUE(refused("PK\x03\x04 this is a zip file, not a recording at all"));
  EXPECT_NE(error.find("not a beamscope recording"), std::string::npos) << error;
  auto v2 = encode_file_header({.version = kFormatVersion, .created_at_us = 1});
  v2[8] = 2;
  EXPECT_TRUE(refused(v2));
  EXPECT_NE(error.find("format version 2 is not supported (this build reads version 1)"), std::string::npos)
      << error;
  EXPECT_TRUE(refused(encode_file_header({}).substr(0, 20)));
  EXPECT_NE(error.find("truncated file header: 20 of 32 bytes"), std::string::npos) << error;
  auto flipped = encode_file_header({.created_at_us = 99});
  flipped[17] ^= 0x40;
  EXPECT_TRUE(refused(flipped));
  EXPECT_NE(error.find("damaged file header at offset 0"), std::string::npos) << error;
  EXPECT_EQ(Reader::open(testing::temp_path(""), error), nullptr);  // a directory
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
  EXPECT_EQ(Reader::open(testing::temp_path("missing.bsrec"), error), nullptr);
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
  // The writer will not append to what is not a recording.
  testing::write_file(path, "hello, not a recording\n");
  EXPECT_EQ(Writer::open(path, {}, error), nullptr);
  EXPECT_NE(error.find("cannot append to it: " + path + ": not a beamscope recording"), std::string::npos) << error;
  EXPECT_EQ(testing::read_file(path), "hello, not a recording\n");  // untouched
}

}  // namespace
}  // namespace beamscope::recording
