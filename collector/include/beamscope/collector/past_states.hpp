// A node as it was at a time (HistoryRequest log STATE, protocol 1.6), or
// every node (every_node, 1.7), answered from the collector's own
// recording (--record): a viewer connected live scrubs the tree, tables
// and charts of the fleet back in time. The recording is read on a thread
// of its own (decoding a segment costs milliseconds, an hour of charts up
// to a second cold) while the writer appends to it; the viewers' I/O
// thread only queues a request.
//   auto past = PastStates::start("fleet.bsrec", [&](viewer, answer) { return server.reply(viewer, answer); });
//   past->ask(viewer, request);   // any thread; "busy" past kMaxPending
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "beamscope.pb.h"
#include "beamscope/protocol/framing.hpp"
#include "beamscope/recording/history_index.hpp"
#include "beamscope/recording/reader.hpp"

namespace beamscope::collector {

/// The hour of ticks a state answer carries for its charts, as a replay shows.
inline constexpr std::int64_t kPastChartsUs = std::int64_t{3600} * 1'000'000;

/// The answer to a STATE request of `node` from `reader` (refreshed first
/// by the caller); `index` caches the charts' ticks. Pure of threads.
v1::HistoryAnswer answer_state(recording::Reader& reader, recording::HistoryIndex& index, const std::string& node,
                               const v1::HistoryRequest& request);

/// The answers to a STATE request with every_node (protocol 1.7): one per
/// node the recording holds at to_us, by name, each envelope naming its
/// node and each answer counting them all (`nodes`); the charts for `node`
/// alone; one answer with the error, for `node`, when there is none. Pure
/// of threads.
std::vector<protocol::Envelope> answer_every_state(recording::Reader& reader, recording::HistoryIndex& index,
                                                   const std::string& node, const v1::HistoryRequest& request);

struct PastStatesStats {
  std::uint64_t answered = 0;  ///< states (or spans) sent
  std::uint64_t refused = 0;   ///< answered with an error: unknown node, before the recording, nothing yet
  std::uint64_t busy = 0;      ///< dropped at once: kMaxPending requests waited
  std::uint64_t dropped = 0;   ///< answers the viewers' queue had no room for within kReplyPatience
};

class PastStates {
 public:
  static constexpr std::size_t kMaxPending = 8;
  /// A fleet's answers come at once and may outrun the viewers' queue: an
  /// answer refused (Reply returns false) is offered again this long.
  static constexpr std::chrono::milliseconds kReplyPatience{2000};
  /// Hands an answer to the viewers' queue; false when it has no room.
  using Reply = std::function<bool(const std::string& viewer, const protocol::Envelope& answer)>;

  /// Reads `path` (opened at the first request: the recorder creates it).
  static std::unique_ptr<PastStates> start(std::string path, Reply reply);
  ~PastStates();

  /// Queues `request` (a HistoryRequest with log STATE) of `viewer`;
  /// answers "busy" at once when kMaxPending wait. Never blocks.
  void ask(const std::string& viewer, const protocol::Envelope& request);
  /// Answers what is queued, then stops the thread; later asks are dropped.
  void stop();
  PastStatesStats stats() const;

  PastStates(const PastStates&) = delete;
  PastStates& operator=(const PastStates&) = delete;

 private:
  struct Asked {
    std::string viewer;
    protocol::Envelope request;
  };
  PastStates(std::string path, Reply reply);
  void run();
  std::vector<protocol::Envelope> answer(const protocol::Envelope& request);
  bool deliver(const std::string& viewer, const protocol::Envelope& answer);

  const std::string path_;
  const Reply reply_;
  std::unique_ptr<recording::Reader> reader_;  // the worker's alone
  std::unique_ptr<recording::HistoryIndex> index_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Asked> pending_;
  bool stopping_ = false;
  PastStatesStats stats_;
  std::thread worker_;
};

}  // namespace beamscope::collector
