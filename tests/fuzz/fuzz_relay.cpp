// The collector's relay of children requests (request_relay.hpp: the
// functions FanIn calls, without sockets), driven the way FanIn drives them by frames from
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

// The frame as its receiver (agent or viewer) decodes it, stamped the way
// the stream client and server stamp what they send.
void check_delivered(protocol::Envelope env) {
  auto back = protocol::decode(protocol::encode(env, env.node(), 0));
  FUZZ_CHECK(std::holds_alternative<protocol::Envelope>(back));
}

// The collector's own answer: the viewer's id and page fields, and why.
void check_error_answer(const protocol::Envelope& request, const protocol::Envelope& answer) {
  const auto& ask = request.children_request();
  const auto& page = answer.children_page();
  FUZZ_CHECK(answer.has_children_page() && answer.node() == request.node() && !page.error().empty() &&
             page.request_id() == ask.request_id() && page.supervisor_id() == ask.supervisor_id() &&
             page.children_size() == 0);
  check_delivered(answer);
}

struct Collector {
  RequestRelay relay{kCapacity, kTimeout};
  protocol::FleetModel links[2];             // each agent link's model (StreamClient)
  std::map<std::string, int> owners;         // node -> the link serving it
  std::map<std::uint64_t, RequestRelay::Pending> shadow;  // admitted, not yet ended
  RequestRelay::Clock::time_point now{std::chrono::hours(1)};

  void expire() {
    for (const auto& late : collector::expired_answers(relay, now)) {
      const auto& page = late.frame.children_page();
      bool found = false;
      for (auto it = shadow.begin(); it != shadow.end(); ++it)
        if (it->second.viewer == late.viewer && it->second.viewer_id == page.request_id() &&
            it->second.deadline <= now) {
          FUZZ_CHECK(late.frame.node() == it->second.node && page.supervisor_id() == it->second.supervisor_id);
          shadow.erase(it);
          found = true;
          break;
        }
      FUZZ_CHECK(found && !page.error().empty());
      check_delivered(late.frame);
    }
    for (const auto& [id, p] : shadow) FUZZ_CHECK(p.deadline > now);
    FUZZ_CHECK(relay.waiting() == shadow.size() && relay.waiting() <= kCapacity);
  }

  void from_viewer(int viewer, const protocol::Envelope& env) {
    if (!env.has_children_request()) return;  // Hellos are the stream server's
    expire();
    const auto& ask = env.children_request();
    const std::string name = "viewer" + std::to_string(viewer);
    const bool served = owners.count(env.node()) != 0;
    auto step = collector::relay_request(relay, name, env, served, now);
    FUZZ_CHECK(step.to_agent.has_value() != step.to_viewer.has_value());
    FUZZ_CHECK(step.relay_id.has_value() == step.to_agent.has_value());
    if (step.to_viewer) {
      FUZZ_CHECK(!served || shadow.size() == kCapacity);
      return check_error_answer(env, *step.to_viewer);
    }
    FUZZ_CHECK(served && shadow.count(*step.relay_id) == 0);
    shadow.emplace(*step.relay_id, RequestRelay::Pending{.viewer = name, .viewer_id = ask.request_id(),
                                                         .node = env.node(), .supervisor_id = ask.supervisor_id(),
                                                         .deadline = now + kTimeout});
    // The agent sees the viewer's request with only its id changed.
    protocol::Envelope expected = env;
    expected.mutable_children_request()->set_request_id(*step.relay_id);
    FUZZ_CHECK(step.to_agent->SerializeAsString() == expected.SerializeAsString());
    check_delivered(*step.to_agent);
  }

  void from_agent(int link, const protocol::Envelope& env) {
    if (env.has_node_gone()) {
      links[link].erase(env.node());
      if (auto it = owners.find(env.node()); it != owners.end() && it->second == link) owners.erase(it);
    } else if (env.has_children_page()) {
      auto back = collector::relay_answer(relay, env);
      auto it = shadow.find(env.children_page().request_id());
      FUZZ_CHECK(back.has_value() == (it != shadow.end()));
      if (back) {
        FUZZ_CHECK(back->viewer == it->second.viewer &&
                   back->frame.children_page().request_id() == it->second.viewer_id);
        // Routed back unchanged but for the viewer's own request id.
        protocol::Envelope expected = env;
        expected.mutable_children_page()->set_request_id(it->second.viewer_id);
        FUZZ_CHECK(back->frame.SerializeAsString() == expected.SerializeAsString());
        shadow.erase(it);
        check_delivered(back->frame);
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
