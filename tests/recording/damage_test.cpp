// Damaged recordings: a file cut anywhere (a kill mid-write) or with bytes
// flipped anywhere reads up to the damage, says where it is, and what it
// does give equals what the stream carried. Never a crash (the ASan build
// runs these too).
#include <filesystem>

#include <gtest/gtest.h>

#include "beamscope/recording/format.hpp"
#include "beamscope/recording/info.hpp"
#include "recording_fixtures.hpp"

namespace beamscope::recording {
namespace {

using testing::FleetGen;

// Every node a reader rebuilt equals the stream's state after that node's
// frame of the same seq.
void expect_prefix_of_stream(const ReplayState& s, const testing::Written& w, const std::string& what) {
  for (const auto& [name, node] : s.fleet.nodes()) {
    if (!node.has_state()) continue;
    auto it = w.by_seq.find({name, node.seq()});
    ASSERT_NE(it, w.by_seq.end()) << what << ": " << name << " seq " << node.seq();
    EXPECT_EQ(std::to_string(node.seq()) + "|" + node.snapshot()->SerializeAsString(), it->second)
        << what << ": " << name << " seq " << node.seq();
  }
}

class Damaged : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    FleetGen gen({.nodes = 2, .hot = 15, .tree = 8});
    written_ = new testing::Written(
        testing::write_fleet("damage_src.bsrec", gen, 40, {.segment_us = 10'000'000, .flush_us = 1'000'000}));
    bytes_ = new std::string(testing::read_file(written_->path));
    std::string error;
    auto r = Reader::open(written_->path, error);
    ASSERT_TRUE(r) << error;
    chunks_ = new std::vector<ChunkEntry>(r->chunks());
  }
  static void TearDownTestSuite() {
    delete written_;
    delete bytes_;
    delete chunks_;
  }
  // The chunk holding byte `at` (nullptr: the file header).
  static const ChunkEntry* chunk_at(std::uint64_t at) {
    const ChunkEntry* found = nullptr;
    for (const auto& c : *chunks_)
      if (c.offset <= at) found = &c;
    return found;
  }
  static inline testing::Written* written_ = nullptr;
  static inline std::string* bytes_ = nullptr;
  static inline std::vector<ChunkEntry>* chunks_ = nullptr;
};

TEST_F(Damaged, CutAnywhereReadsUpToTheCut) {
  ASSERT_GT(chunks_->size(), 30u);
  const std::string path = testing::temp_path("cut.bsrec");
  std::size_t cuts = 0, at_boundary = 0;
  for (std::size_t len = kFileHeaderBytes; len < bytes_->size(); len += 1 + len % 53) {
    testing::write_file(path, bytes_->substr(0, len));
    std::string error;
    auto r = Reader::open(path, error);
    ASSERT_TRUE(r) << "cut at " << len << ": " << error;
    const ChunkEntry* torn = chunk_at(len);
    const bool boundary = len == kFileHeaderBytes || (torn && torn->offset == len);
    const auto s = r->state_at(INT64_MAX);
    const auto info = inspect(*r);
    if (boundary) {
      ++at_boundary;
      EXPECT_FALSE(info.totals.damage) << len;
    } else {
      ASSERT_TRUE(info.totals.damage) << "cut at " << len;
      // The torn chunk is named by its offset.
      EXPECT_EQ(info.totals.damage->offset, torn->offset) << info.totals.damage->describe();
      EXPECT_NE(info.totals.damage->describe().find("offset " + std::to_string(torn->offset)), std::string::npos);
      EXPECT_EQ(info.totals.intact_end, torn->offset);
      ASSERT_TRUE(s.damage) << "cut at " << len;
    }
    expect_prefix_of_stream(s, *written_, "cut at " + std::to_string(len));
    // Everything before the torn chunk is there: the last whole chunk's time.
    if (torn && torn != &chunks_->front()) {
      const auto& before = (*chunks_)[static_cast<std::size_t>(torn - chunks_->data()) - (boundary ? 0 : 1)];
      EXPECT_EQ(s.last_record_us, boundary ? torn[-1].t_last_us : before.t_last_us) << "cut at " << len;
    }
    ++cuts;
  }
  EXPECT_GT(cuts, 100u);
  EXPECT_GT(at_boundary, 0u);
}

TEST_F(Damaged, FlippedBytesAreFoundWhereTheyAre) {
  const std::string path = testing::temp_path("flip.bsrec");
  std::size_t flips = 0;
  for (std::size_t at = 0; at < bytes_->size(); at += 7 + at % 173) {
    std::string copy = *bytes_;
    copy[at] = static_cast<char>(copy[at] ^ (1 << (at % 8)));
    testing::write_file(path, copy);
    std::string error;
    auto r = Reader::open(path, error);
    ++flips;
    if (at < kFileHeaderBytes) {
      EXPECT_FALSE(r) << "flip at " << at;
      EXPECT_FALSE(error.empty());
      continue;
    }
    ASSERT_TRUE(r) << "flip at " << at << ": " << error;
    const auto info = inspect(*r);
    ASSERT_TRUE(info.totals.damage) << "flip at " << at << " went unnoticed";
    const ChunkEntry* hit = chunk_at(at);
    EXPECT_EQ(info.totals.damage->offset, hit->offset) << info.totals.damage->describe();
    // Whatever the time, what is rebuilt is the stream's own state.
    for (std::size_t k = 0; k < written_->tick_us.size(); k += 13)
      expect_prefix_of_stream(r->state_at(written_->tick_us[k]), *written_, "flip at " + std::to_string(at));
    expect_prefix_of_stream(r->state_at(INT64_MAX), *written_, "flip at " + std::to_string(at));
  }
  EXPECT_GT(flips, 100u);
}

TEST_F(Damaged, AWriterAppendingToATornFileCutsTheTornChunk) {
  const std::string path = testing::temp_path("torn_append.bsrec");
  const ChunkEntry& last = chunks_->back();
  testing::write_file(path, bytes_->substr(0, last.offset + 20));  // the last chunk torn mid-header
  std::string error, note;
  {
    auto w = Writer::open(path, {}, error, &note);
    ASSERT_TRUE(w) << error;
    EXPECT_NE(note.find("cut off what was damaged at offset " + std::to_string(last.offset)), std::string::npos)
        << note;
    FleetGen gen({.nodes = 1, .hot = 3, .tree = 2, .start_us = written_->tick_us.back() + 10'000'000});
    for (int k = 0; k < 3; ++k)
      for (const auto& env : gen.tick()) w->append(env, gen.now_us());
  }
  auto r = Reader::open(path, error);
  ASSERT_TRUE(r) << error;
  const auto info = inspect(*r);
  EXPECT_FALSE(info.totals.damage) << info.totals.damage->describe();
  EXPECT_EQ(info.nodes.size(), 2u);  // the new gen0 starts again with a keyframe
  EXPECT_EQ(info.totals.frames, written_->stats.frames - last.header.records + 3);
}

}  // namespace
}  // namespace beamscope::recording
