// Small builders of protocol messages shared by the protocol tests.
#pragma once

#include <string>

#include "beamscope.pb.h"

namespace beamscope::testing {

inline v1::ProcessSample sample(const std::string& pid, std::uint64_t mailbox, std::uint64_t memory = 0,
                                std::uint64_t reds_per_s = 0) {
  v1::ProcessSample p;
  p.set_pid(pid);
  p.set_message_queue_len(mailbox);
  p.set_memory_bytes(memory);
  p.set_reductions_per_s(reds_per_s);
  return p;
}

inline v1::Envelope keyframe_envelope(const std::string& node, std::uint64_t seq, std::uint64_t process_count) {
  v1::Envelope env;
  env.set_version_major(1);
  env.set_node(node);
  env.set_seq(seq);
  auto* kf = env.mutable_keyframe();
  kf->mutable_info()->set_node(node);
  kf->mutable_gauges()->set_process_count(process_count);
  return env;
}

/// An empty delta of `node` with sequence `seq`.
inline v1::Envelope delta_envelope(const std::string& node, std::uint64_t seq) {
  v1::Envelope env;
  env.set_version_major(1);
  env.set_node(node);
  env.set_seq(seq);
  env.mutable_delta();
  return env;
}

}  // namespace beamscope::testing
