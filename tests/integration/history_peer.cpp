// A real viewer for the history tests (transport::StreamClient, as the GUI
// and the collector use it), bounded in time, one JSON line per fact:
//
//   history_peer watch ENDPOINT SECONDS
//     every applied frame's tick as the stream carried it:
//     {"frame":"keyframe"|"delta","node":..,"time_us":..,"uptime_ms":..,"v":[20 raw values]}
//     (the raw values in GaugeColumn.Gauge order, from protocol::gauge_sample).
//   history_peer history ENDPOINT SECONDS
//     waits for the first History after the keyframe and prints
//     {"node":..,"keyframe_uptime_ms":..,"window_s":..,"samples":[[time_us,uptime_ms,v...],..],
//      "event_ids":[..],"bytes":..}; {"history":null,...} when none came in SECONDS.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "beamscope/protocol/history_series.hpp"
#include "beamscope/transport/stream_client.hpp"

using namespace beamscope;
using Clock = std::chrono::steady_clock;

namespace {

nlohmann::json values(const protocol::GaugeSample& s) {
  auto v = nlohmann::json::array();
  for (auto x : s.v) v.push_back(x);
  return v;
}

void print(const nlohmann::json& j) {
  std::printf("%s\n", j.dump().c_str());
  std::fflush(stdout);
}

int watch(const std::string& endpoint, int seconds) {
  std::string error;
  auto client = transport::StreamClient::start(endpoint, error, [](const protocol::SharedEnvelope& frame) {
    const auto& env = *frame;
    v1::Keyframe kf;
    if (env.has_keyframe()) {
      kf = env.keyframe();
    } else if (env.delta().has_gauges()) {
      *kf.mutable_gauges() = env.delta().gauges();
      *kf.mutable_mailbox_histogram() = env.delta().mailbox_histogram();
    } else {
      return;
    }
    kf.set_sampled_at_us(env.timestamp_us());
    const auto s = protocol::gauge_sample(kf);
    print({{"frame", env.has_keyframe() ? "keyframe" : "delta"},
           {"node", env.node()},
           {"time_us", s.time_us},
           {"uptime_ms", s.uptime_ms},
           {"v", values(s)}});
  });
  if (!client) {
    std::fprintf(stderr, "history_peer: %s\n", error.c_str());
    return 1;
  }
  const auto end = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  client->stop();
  return 0;
}

int history(const std::string& endpoint, int seconds) {
  std::mutex mu;
  std::optional<protocol::Envelope> got;
  std::atomic<std::uint64_t> keyframe_uptime{0};
  std::string error;
  auto client = transport::StreamClient::start(
      endpoint, error,
      [&](const protocol::SharedEnvelope& env) {
        if (env->has_keyframe() && keyframe_uptime == 0) keyframe_uptime = env->keyframe().gauges().uptime_ms();
      },
      {},
      [&](const protocol::Envelope& env) {
        std::lock_guard lock(mu);
        if (env.has_history() && !got) got = env;
      });
  if (!client) {
    std::fprintf(stderr, "history_peer: %s\n", error.c_str());
    return 1;
  }
  const auto end = Clock::now() + std::chrono::seconds(seconds);
  for (;;) {
    {
      std::lock_guard lock(mu);
      if (got || Clock::now() >= end) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  client->stop();
  nlohmann::json out{{"keyframe_uptime_ms", keyframe_uptime.load()}};
  if (!got) {
    out["history"] = nullptr;
    print(out);
    return 0;
  }
  const auto& h = got->history();
  auto samples = nlohmann::json::array();
  for (const auto& s : protocol::history_samples(h)) {
    auto row = nlohmann::json::array({s.time_us, s.uptime_ms});
    for (auto x : s.v) row.push_back(x);
    samples.push_back(std::move(row));
  }
  auto ids = nlohmann::json::array();
  for (const auto& e : h.events()) ids.push_back(e.id());
  out["history"] = true;
  out["node"] = got->node();
  out["window_s"] = h.window_s();
  out["samples"] = std::move(samples);
  out["event_ids"] = std::move(ids);
  out["bytes"] = got->ByteSizeLong();
  print(out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: history_peer watch|history ENDPOINT SECONDS\n");
    return 2;
  }
  const std::string mode = argv[1];
  const int seconds = std::atoi(argv[3]);
  if (mode == "watch") return watch(argv[2], seconds);
  if (mode == "history") return history(argv[2], seconds);
  std::fprintf(stderr, "usage: history_peer watch|history ENDPOINT SECONDS\n");
  return 2;
}
