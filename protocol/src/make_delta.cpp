// The producer side of the stream: what changed between two full states.
#include <google/protobuf/util/message_differencer.h>

#include <unordered_map>

#include "beamscope/protocol/node_model.hpp"

namespace beamscope::protocol {

Delta make_delta(const Keyframe& prev, const Keyframe& next) {
  Delta d;
  // Gauges and stats change every tick anyway: send them whole.
  *d.mutable_gauges() = next.gauges();
  *d.mutable_mailbox_histogram() = next.mailbox_histogram();
  *d.mutable_sweep() = next.sweep();
  *d.mutable_agent() = next.agent();

  std::unordered_map<std::string_view, const ProcessSample*> before;
  before.reserve(static_cast<std::size_t>(prev.processes_size()));
  for (const auto& p : prev.processes()) before.emplace(p.pid(), &p);

  using google::protobuf::util::MessageDifferencer;
  for (const auto& p : next.processes()) {
    auto it = before.find(p.pid());
    if (it == before.end() || !MessageDifferencer::Equals(*it->second, p)) *d.add_upserted() = p;
    if (it != before.end()) before.erase(it);
  }
  for (const auto& [pid, p] : before) d.add_removed(std::string(pid));
  return d;
}

}  // namespace beamscope::protocol
