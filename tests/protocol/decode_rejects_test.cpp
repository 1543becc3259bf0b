// Counting dropped frames by reason and saying it in one sentence.
#include "beamscope/protocol/decode_rejects.hpp"

#include <gtest/gtest.h>

#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/version.hpp"
#include "test_frames.hpp"

namespace beamscope::protocol {
namespace {

std::string other_major(std::uint32_t major) {
  auto env = beamscope::testing::keyframe_envelope("n@h", 1, 1);
  env.set_version_major(major);
  return env.SerializeAsString();
}

TEST(DecodeRejects, NothingDroppedSaysNothing) {
  DecodeRejects r;
  EXPECT_TRUE(std::holds_alternative<Envelope>(r.decode(other_major(kVersionMajor))));
  EXPECT_EQ(r.total(), 0u);
  EXPECT_EQ(r.describe("tcp://h:1"), "");
}

TEST(DecodeRejects, OneReasonNamesTheMajorVersionSeen) {
  DecodeRejects r;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::holds_alternative<DecodeError>(r.decode(other_major(2))));
  EXPECT_EQ(r[DecodeError::kWrongVersion], 3u);
  EXPECT_EQ(r.last_major, 2u);
  EXPECT_EQ(r.describe("tcp://h:1"), "3 frames dropped from tcp://h:1: wrong major version 2 (this build reads " +
                                         std::to_string(kVersionMajor) + ")");
}

TEST(DecodeRejects, SeveralReasonsMostFrequentFirst) {
  DecodeRejects r;
  (void)r.decode("\xff\xff\xff garbage");
  (void)r.decode("\xff\xff\xff more garbage");
  (void)r.decode(other_major(7));
  (void)r.decode(std::string(limits::kMaxFrameBytes + 1, '\0'));
  EXPECT_EQ(r.total(), 4u);
  EXPECT_EQ(r.describe("ipc:///x"),
            "4 frames dropped from ipc:///x: 2 malformed (not a beamscope frame), 1 larger than 8 MiB, "
            "1 wrong major version 7 (this build reads " + std::to_string(kVersionMajor) + ")");
  DecodeRejects one;
  one.add(DecodeError::kNoBody);
  EXPECT_EQ(one.describe("e"), "1 frame dropped from e: without a body or a node");
}

}  // namespace
}  // namespace beamscope::protocol
