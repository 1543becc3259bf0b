#include "beamscope/protocol/framing.hpp"

#include <gtest/gtest.h>

#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/version.hpp"
#include "test_frames.hpp"

namespace beamscope::protocol {
namespace {

using beamscope::testing::keyframe_envelope;
using beamscope::testing::sample;

TEST(Framing, RoundTripKeepsEveryField) {
  auto env = keyframe_envelope("demo@host", 0, 1234);
  *env.mutable_keyframe()->add_processes() = sample("<0.1.0>", 7, 2048, 10);
  const std::string bytes = encode(env, "demo@host", 42);
  auto result = decode(bytes);
  ASSERT_TRUE(std::holds_alternative<Envelope>(result));
  const auto& got = std::get<Envelope>(result);
  EXPECT_EQ(got.version_major(), kVersionMajor);
  EXPECT_EQ(got.seq(), 42u);
  EXPECT_EQ(got.node(), "demo@host");
  EXPECT_GT(got.timestamp_us(), 0);
  EXPECT_EQ(got.keyframe().gauges().process_count(), 1234u);
  EXPECT_EQ(got.keyframe().processes(0).memory_bytes(), 2048u);
}

// decode_owned: the frame in an arena that lives as long as the frame is
// referenced, whatever became of the bytes and the decoder; the same
// verdicts as decode().
TEST(Framing, OwnedFrameOutlivesItsBytesAndRefusesAsDecodeDoes) {
  auto env = keyframe_envelope("demo@host", 0, 1234);
  for (int i = 0; i < 300; ++i)
    *env.mutable_keyframe()->add_processes() = sample("<0." + std::to_string(i) + ".0>", i, 2048, 10);
  std::uint32_t major = 0;
  SharedEnvelope kept;
  {
    std::string bytes = encode(env, "demo@host", 42);
    auto result = decode_owned(bytes, major);
    ASSERT_TRUE(std::holds_alternative<OwnedEnvelope>(result));
    kept = std::get<OwnedEnvelope>(result);
    EXPECT_NE(kept->GetArena(), nullptr);  // rows in the arena, not one allocation each
    bytes.assign(bytes.size(), '\0');
  }
  EXPECT_EQ(major, kVersionMajor);
  EXPECT_EQ(kept->seq(), 42u);
  ASSERT_EQ(kept->keyframe().processes_size(), 300);
  EXPECT_EQ(kept->keyframe().processes(299).pid(), "<0.299.0>");
  EXPECT_EQ(kept->keyframe().processes(299).message_queue_len(), 299u);

  for (const std::string& bad : {std::string("\xff\xff\xff\xff\x0f not protobuf"),
                                 std::string(limits::kMaxFrameBytes + 1, '\0'), std::string()}) {
    auto owned = decode_owned(bad, major);
    auto plain = decode(bad);
    ASSERT_TRUE(std::holds_alternative<DecodeError>(owned));
    EXPECT_EQ(std::get<DecodeError>(owned), std::get<DecodeError>(plain));
  }
}

TEST(Framing, GarbageIsMalformedNotACrash) {
  const std::string garbage = "\xff\xff\xff\xff\x0f not protobuf";
  auto result = decode(garbage);
  ASSERT_TRUE(std::holds_alternative<DecodeError>(result));
  EXPECT_EQ(std::get<DecodeError>(result), DecodeError::kMalformed);
  EXPECT_STREQ(to_string(DecodeError::kMalformed), "malformed");
}

TEST(Framing, OversizeFrameIsRefusedBeforeParsing) {
  const std::string huge(limits::kMaxFrameBytes + 1, '\0');
  auto result = decode(huge);
  ASSERT_TRUE(std::holds_alternative<DecodeError>(result));
  EXPECT_EQ(std::get<DecodeError>(result), DecodeError::kTooLarge);
}

TEST(Framing, OtherMajorVersionIsRefused) {
  auto env = keyframe_envelope("n@h", 1, 1);
  std::string bytes = encode(env, "n@h", 1);
  Envelope tampered;
  ASSERT_TRUE(tampered.ParseFromString(bytes));
  tampered.set_version_major(kVersionMajor + 1);
  auto result = decode(tampered.SerializeAsString());
  EXPECT_EQ(std::get<DecodeError>(result), DecodeError::kWrongVersion);
}

TEST(Framing, NewerMinorWithUnknownFieldsIsAccepted) {
  auto env = keyframe_envelope("n@h", 1, 5);
  std::string bytes = encode(env, "n@h", 1);
  env.set_version_minor(kVersionMinor + 3);
  bytes = env.SerializeAsString();
  // Field 999, varint 1: what a future minor version might add.
  bytes += std::string("\xb8\x3e\x01", 3);
  auto result = decode(bytes);
  ASSERT_TRUE(std::holds_alternative<Envelope>(result));
  EXPECT_EQ(std::get<Envelope>(result).keyframe().gauges().process_count(), 5u);
}

TEST(Framing, TooManyProcessesIsOutOfBounds) {
  auto env = keyframe_envelope("n@h", 1, 5);
  for (std::size_t i = 0; i <= limits::kMaxProcesses; ++i)
    *env.mutable_keyframe()->add_processes() = sample("<0." + std::to_string(i) + ".0>", 1);
  auto result = decode(encode(env, "n@h", 1));
  EXPECT_EQ(std::get<DecodeError>(result), DecodeError::kOutOfBounds);
}

TEST(Framing, OverlongStringIsOutOfBounds) {
  auto env = keyframe_envelope("n@h", 1, 5);
  auto* p = env.mutable_keyframe()->add_processes();
  *p = sample("<0.1.0>", 1);
  p->set_registered_name(std::string(limits::kMaxString + 1, 'x'));
  auto result = decode(encode(env, "n@h", 1));
  EXPECT_EQ(std::get<DecodeError>(result), DecodeError::kOutOfBounds);
}

TEST(Framing, DataWithoutNodeOrBodyIsRefused) {
  Envelope empty;
  empty.set_version_major(kVersionMajor);
  EXPECT_EQ(std::get<DecodeError>(decode(empty.SerializeAsString())), DecodeError::kNoBody);
  Envelope nameless;
  nameless.set_version_major(kVersionMajor);
  nameless.mutable_delta();
  EXPECT_EQ(std::get<DecodeError>(decode(nameless.SerializeAsString())), DecodeError::kNoBody);
}

}  // namespace
}  // namespace beamscope::protocol

namespace beamscope::protocol {
namespace {

TEST(Framing, TreeBoundsAreEnforced) {
  auto env = beamscope::testing::keyframe_envelope("n@h", 1, 5);
  auto* node = env.mutable_keyframe()->add_tree();
  node->set_id("app/sup");
  for (std::size_t i = 0; i <= limits::kMaxModules; ++i) node->add_modules("m");
  EXPECT_EQ(std::get<DecodeError>(decode(encode(env, "n@h", 1))), DecodeError::kOutOfBounds);
  node->clear_modules();
  node->add_recent_restarts()->set_reason(std::string(limits::kMaxString + 1, 'r'));
  EXPECT_EQ(std::get<DecodeError>(decode(encode(env, "n@h", 1))), DecodeError::kOutOfBounds);
  node->clear_recent_restarts();
  EXPECT_TRUE(std::holds_alternative<Envelope>(decode(encode(env, "n@h", 1))));
}

TEST(Framing, TooManyEventsIsOutOfBounds) {
  Envelope env;
  env.mutable_delta();
  for (std::size_t i = 0; i <= limits::kMaxEvents; ++i) env.mutable_delta()->add_events()->set_id(i + 1);
  EXPECT_EQ(std::get<DecodeError>(decode(encode(env, "n@h", 2))), DecodeError::kOutOfBounds);
}

TEST(Framing, ChildrenRequestAndPageNeedANodeAndRespectBounds) {
  Envelope req;
  req.mutable_children_request()->set_supervisor_id("demo/demo_sup/pool");
  req.mutable_children_request()->set_limit(limits::kMaxPageChildren);
  EXPECT_EQ(std::get<DecodeError>(decode(encode(req, "", 0))), DecodeError::kNoBody);
  EXPECT_TRUE(std::holds_alternative<Envelope>(decode(encode(req, "n@h", 0))));
  req.mutable_children_request()->set_limit(limits::kMaxPageChildren + 1);
  EXPECT_EQ(std::get<DecodeError>(decode(encode(req, "n@h", 0))), DecodeError::kOutOfBounds);

  Envelope page;
  auto* p = page.mutable_children_page();
  p->set_total(5);
  p->add_children()->set_id("demo/demo_sup/pool/<0.90.0>");
  EXPECT_TRUE(std::holds_alternative<Envelope>(decode(encode(page, "n@h", 0))));
  p->set_error(std::string(limits::kMaxString + 1, 'e'));
  EXPECT_EQ(std::get<DecodeError>(decode(encode(page, "n@h", 0))), DecodeError::kOutOfBounds);
  p->clear_error();
  for (std::size_t i = 0; i < limits::kMaxPageChildren; ++i) p->add_children()->set_id("x");
  EXPECT_EQ(std::get<DecodeError>(decode(encode(page, "n@h", 0))), DecodeError::kOutOfBounds);
}

}  // namespace
}  // namespace beamscope::protocol
