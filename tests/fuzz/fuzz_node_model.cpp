// The node model (FleetModel) fed a sequence of decoded frames, as every
// viewer and the collector apply them, with what they read back after:
// snapshots, top lists and the CLI's documents of them. Each chunk's tag
// picks the check run after applying it:
//   0 apply only          1 snapshot and top-list invariants
//   2 producer round trip: make_delta(the node's state before, this
//     keyframe) applied to that state gives the keyframe's processes and tree
//   3 the CLI's JSON and text renderings of the node
// tag bit 7 erases the node afterwards (a NodeGone).
// Every frame also goes through a relay with small limits (as the collector
// applies them) and its trimmed copy to a reader with the same limits: both
// stay within the limits and hold the same state, the reader cutting no
// process or tree entry the relay let through.
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <variant>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/node_model.hpp"
#include "fuzz_chunks.hpp"
#include "render/render.hpp"

using namespace beamscope;
using protocol::NodeModel;

namespace {

constexpr protocol::SortKey kKeys[] = {protocol::SortKey::kMailbox, protocol::SortKey::kMemory,
                                       protocol::SortKey::kReductions, protocol::SortKey::kMinorGcs};

void check_snapshot(const NodeModel& m, std::size_t limit) {
  auto snap = m.snapshot();
  FUZZ_CHECK(snap != nullptr);
  FUZZ_CHECK(snap == m.snapshot());  // cached until the next change
  FUZZ_CHECK(static_cast<std::size_t>(snap->processes_size()) == m.hot_count());
  FUZZ_CHECK(static_cast<std::size_t>(snap->tree_size()) == m.tree().size());
  FUZZ_CHECK(static_cast<std::size_t>(snap->events_size()) <= protocol::kKeptEvents);
  for (int i = 1; i < snap->events_size(); ++i) FUZZ_CHECK(snap->events(i - 1).id() < snap->events(i).id());
  for (auto key : kKeys) {
    const auto top = m.top(key, limit);
    FUZZ_CHECK(top.size() == std::min(limit, m.hot_count()));
    for (std::size_t i = 1; i < top.size(); ++i)
      FUZZ_CHECK(protocol::sort_value(top[i - 1], key) >= protocol::sort_value(top[i], key));
  }
}

// Everything of a model a delta diffs, as bytes (NaN-safe, unlike comparing fields).
std::string diffed_state(const NodeModel& m) {
  std::string out;
  for (const auto& p : m.top(protocol::SortKey::kMailbox, std::numeric_limits<std::size_t>::max()))
    out += p.SerializeAsString() + '\x01';
  out += '\x02';
  for (const auto& [id, n] : m.tree()) out += id + '\x03' + n.SerializeAsString() + '\x01';
  return out;
}

void check_round_trip(const protocol::Keyframe& prev, const protocol::Keyframe& next) {
  protocol::Envelope first, second, whole;
  *first.mutable_keyframe() = prev;
  first.set_seq(1);
  *second.mutable_delta() = protocol::make_delta(prev, next);
  second.set_seq(2);
  *whole.mutable_keyframe() = next;
  whole.set_seq(2);
  NodeModel streamed, reference;
  FUZZ_CHECK(streamed.apply(first) == protocol::ApplyResult::kApplied);
  FUZZ_CHECK(streamed.apply(second) == protocol::ApplyResult::kApplied);
  FUZZ_CHECK(reference.apply(whole) == protocol::ApplyResult::kApplied);
  FUZZ_CHECK(diffed_state(streamed) == diffed_state(reference));
}

void render(const std::string& node, const NodeModel& m, std::size_t limit) {
  auto snap = m.snapshot();
  const auto ts = m.updated_us();
  std::string docs;
  docs += cli::dump_json(cli::overview_json(*snap, ts));
  docs += cli::dump_json(cli::tree_json(node, ts, *snap));
  docs += cli::dump_json(cli::events_json(node, ts, *snap, limit));
  for (auto key : kKeys)
    docs += cli::dump_json(cli::top_json(node, key, limit, ts, m.hot_count(), m.top(key, limit)));
  FUZZ_CHECK(!docs.empty());
  std::ostringstream text;
  cli::print_overview_text(text, *snap, ts);
  cli::print_top_text(text, node, protocol::SortKey::kMemory, m.top(protocol::SortKey::kMemory, limit));
  cli::print_tree_text(text, node, *snap);
  cli::print_events_text(text, node, *snap, limit);
}

constexpr protocol::ModelLimits kSmall{.max_nodes = 3, .max_processes = 6, .max_tree_entries = 6, .max_events = 4};

void check_relay(protocol::FleetModel& relay, protocol::FleetModel& reader, const protocol::Envelope& env) {
  protocol::Envelope trimmed = env;
  const auto relayed = relay.apply_trimming(trimmed);
  FUZZ_CHECK(relay.size() <= kSmall.max_nodes);
  if (relayed != protocol::ApplyResult::kApplied) return;
  FUZZ_CHECK(reader.apply(trimmed) == protocol::ApplyResult::kApplied);
  const NodeModel* a = relay.find(env.node());
  const NodeModel* b = reader.find(env.node());
  FUZZ_CHECK(a && b);
  FUZZ_CHECK(a->hot_count() <= kSmall.max_processes && a->tree().size() <= kSmall.max_tree_entries);
  FUZZ_CHECK(static_cast<std::size_t>(a->snapshot()->events_size()) <= kSmall.max_events);
  FUZZ_CHECK(diffed_state(*a) == diffed_state(*b));
  FUZZ_CHECK(reader.cut()[protocol::Cut::kProcesses] == 0 && reader.cut()[protocol::Cut::kTreeEntries] == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  protocol::FleetModel fleet;
  protocol::FleetModel relay(kSmall), relay_reader(kSmall);
  fuzz::ChunkReader reader(data, size);
  fuzz::Chunk chunk;
  while (reader.next(chunk)) {
    auto decoded = protocol::decode(chunk.bytes);
    auto* env = std::get_if<protocol::Envelope>(&decoded);
    if (!env) continue;
    const std::size_t before = fleet.size();
    std::shared_ptr<const protocol::Keyframe> prev;
    if ((chunk.tag & 0x03) == 2 && env->has_keyframe())
      if (const NodeModel* old = fleet.find(env->node()); old && old->has_state()) prev = old->snapshot();
    check_relay(relay, relay_reader, *env);
    const auto result = fleet.apply(*env);
    // Only a keyframe creates a node.
    FUZZ_CHECK(fleet.size() == before || (env->has_keyframe() && fleet.size() == before + 1));
    const NodeModel* m = fleet.find(env->node());
    if (result == protocol::ApplyResult::kApplied) FUZZ_CHECK(m && m->has_state() && m->seq() == env->seq());
    if (m && m->has_state()) {
      const std::size_t limit = chunk.tag >> 3 & 0x0F;
      switch (chunk.tag & 0x03) {
        case 1: check_snapshot(*m, limit); break;
        case 2:
          if (prev) check_round_trip(*prev, env->keyframe());
          break;
        case 3: render(env->node(), *m, limit); break;
        default: break;
      }
    }
    if (chunk.tag & 0x80) {
      fleet.erase(env->node());
      relay.erase(env->node());
      relay_reader.erase(env->node());
    }
  }
  return 0;
}
