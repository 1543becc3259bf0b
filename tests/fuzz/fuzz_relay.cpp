// The collector's relay of children requests (RequestRelay, the part of
// FanIn without sockets), driven the way FanIn drives it by frames from
// two viewers and two agent links: a viewer's ChildrenRequest for a node an
// agent serves is admitted and forwarded under a relay id, an agent's
// ChildrenPage completes it and goes back under the viewer's id, and time
// expires the rest. Checked against a shadow of what was admitted: each
// request ends once (answered or expired), never to the wrong viewer, the
// relay stays within its capacity, and every frame the collector sends on
// (relayed request, routed answer, error answer) decodes at its receiver.
// Chunk tag: bit 0 from an agent (else a viewer), bit 1 which one,
// bits 2-7 time passed since the previous chunk in 500 ms steps.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/node_model.hpp"
#include "fuzz_chunks.hpp"
#include "request_relay.hpp"

using namespace beamscope;
using collector::RequestRelay;

namespace {

constexpr std::size_t kCapacity = 8;
constexpr std::chrono::milliseconds kTimeout{10000};

// The frame as its receiver (agent or viewer) decodes it.
void check_delivered(const protocol::Envelope& env) {
  auto back = protocol::decode(protocol::encode(env));
  FUZZ_CHECK(std::holds_alternative<protocol::Envelope>(back));
}

// The collector's own answer to a request it cannot relay (FanIn::fail_request).
void check_error_answer(const protocol::Envelope& request, const std::string& why) {
  protocol::Envelope answer;
  answer.set_version_major(1);
  answer.set_node(request.node());
  auto* page = answer.mutable_children_page();
  page->set_request_id(request.children_request().request_id());
  page->set_supervisor_id(request.children_request().supervisor_id());
  page->set_offset(request.children_request().offset());
  page->set_order(request.children_request().order());
  page->set_error(why);
  check_delivered(answer);
}

struct Collector {
  RequestRelay relay{kCapacity, kTimeout};
  protocol::FleetModel links[2];             // each agent link's model (StreamClient)
  std::map<std::string, int> owners;         // node -> the link serving it
  std::map<std::uint64_t, RequestRelay::Pending> shadow;  // admitted, not yet ended
  RequestRelay::Clock::time_point now{std::chrono::hours(1)};

  void expire() {
    for (const auto& p : relay.expire(now)) {
      FUZZ_CHECK(p.deadline <= now);
      bool found = false;
      for (auto it = shadow.begin(); it != shadow.end(); ++it)
        if (it->second.viewer == p.viewer && it->second.viewer_id == p.viewer_id && it->second.deadline == p.deadline) {
          shadow.erase(it);
          found = true;
          break;
        }
      FUZZ_CHECK(found);
    }
    for (const auto& [id, p] : shadow) FUZZ_CHECK(p.deadline > now);
    FUZZ_CHECK(relay.waiting() == shadow.size() && relay.waiting() <= kCapacity);
  }

  void from_viewer(int viewer, const protocol::Envelope& env) {
    if (!env.has_children_request()) return;  // Hellos are the stream server's
    expire();
    const auto& ask = env.children_request();
    if (owners.count(env.node()) == 0)
      return check_error_answer(env, "node " + env.node() + " is not served by this collector");
    RequestRelay::Pending p{.viewer = "viewer" + std::to_string(viewer), .viewer_id = ask.request_id(),
                            .node = env.node(), .supervisor_id = ask.supervisor_id()};
    auto id = relay.admit(p, now);
    if (!id) {
      FUZZ_CHECK(shadow.size() == kCapacity);
      return check_error_answer(env, "collector busy: too many requests waiting for agents");
    }
    FUZZ_CHECK(shadow.count(*id) == 0);
    p.deadline = now + kTimeout;
    shadow.emplace(*id, p);
    protocol::Envelope relayed = env;
    relayed.mutable_children_request()->set_request_id(*id);
    check_delivered(relayed);
  }

  void from_agent(int link, const protocol::Envelope& env) {
    if (env.has_node_gone()) {
      links[link].erase(env.node());
      if (auto it = owners.find(env.node()); it != owners.end() && it->second == link) owners.erase(it);
    } else if (env.has_children_page()) {
      auto pending = relay.complete(env.children_page().request_id());
      auto it = shadow.find(env.children_page().request_id());
      FUZZ_CHECK(pending.has_value() == (it != shadow.end()));
      if (pending) {
        FUZZ_CHECK(pending->viewer == it->second.viewer && pending->viewer_id == it->second.viewer_id &&
                   pending->node == it->second.node && pending->supervisor_id == it->second.supervisor_id);
        shadow.erase(it);
        protocol::Envelope back = env;
        back.mutable_children_page()->set_request_id(pending->viewer_id);
        check_delivered(back);
      }
    } else if (links[link].apply(env) == protocol::ApplyResult::kApplied) {
      owners.try_emplace(env.node(), link);  // the first link to serve a node keeps it
    }
    expire();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Collector c;
  fuzz::ChunkReader reader(data, size);
  fuzz::Chunk chunk;
  while (reader.next(chunk)) {
    c.now += std::chrono::milliseconds(500) * (chunk.tag >> 2);
    auto decoded = protocol::decode(chunk.bytes);
    auto* env = std::get_if<protocol::Envelope>(&decoded);
    if (!env) continue;
    const int which = chunk.tag >> 1 & 1;
    if (chunk.tag & 1) c.from_agent(which, *env);
    else c.from_viewer(which, *env);
  }
  return 0;
}
