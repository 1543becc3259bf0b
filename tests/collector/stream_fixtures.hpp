// Helpers for collector tests: frames of the real protocol and polling waits.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "beamscope.pb.h"
#include "beamscope/protocol/version.hpp"

namespace beamscope::testing {

/// An envelope of `node` with sequence `seq`, stamped like a producer would.
inline v1::Envelope envelope(const std::string& node, std::uint64_t seq) {
  v1::Envelope env;
  env.set_version_major(protocol::kVersionMajor);
  env.set_version_minor(protocol::kVersionMinor);
  env.set_node(node);
  env.set_seq(seq);
  env.set_timestamp_us(1);
  return env;
}

/// A keyframe of `node` with `process_count` processes and one hot process.
inline v1::Envelope keyframe(const std::string& node, std::uint64_t seq, std::uint64_t process_count) {
  auto env = envelope(node, seq);
  auto* kf = env.mutable_keyframe();
  kf->mutable_info()->set_node(node);
  kf->mutable_info()->set_word_size(8);
  kf->mutable_gauges()->set_process_count(process_count);
  auto* p = kf->add_processes();
  p->set_pid("<0.1.0>");
  p->set_registered_name("first");
  p->set_message_queue_len(1);
  return env;
}

/// A delta that sets the process count and upserts a process with `mailbox`.
inline v1::Envelope delta(const std::string& node, std::uint64_t seq, std::uint64_t process_count,
                          const std::string& pid, std::uint64_t mailbox) {
  auto env = envelope(node, seq);
  auto* d = env.mutable_delta();
  d->mutable_gauges()->set_process_count(process_count);
  auto* p = d->add_upserted();
  p->set_pid(pid);
  p->set_message_queue_len(mailbox);
  return env;
}

/// Polls `pred` every 10 ms until true or `timeout`; returns its last value.
inline bool wait_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

/// The snapshot of `node` in `snaps`, or nullptr.
inline std::shared_ptr<const v1::Keyframe> find_node(const std::vector<std::shared_ptr<const v1::Keyframe>>& snaps,
                                                     const std::string& node) {
  for (const auto& kf : snaps) {
    if (kf && kf->info().node() == node) return kf;
  }
  return nullptr;
}

/// Number of hot processes of `kf` with pid `pid` and mailbox `mailbox`.
inline bool has_process(const v1::Keyframe& kf, const std::string& pid, std::uint64_t mailbox) {
  for (const auto& p : kf.processes()) {
    if (p.pid() == pid && p.message_queue_len() == mailbox) return true;
  }
  return false;
}

}  // namespace beamscope::testing
