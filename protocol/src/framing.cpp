// Checked decoding: size first, then parse, then version and bounds, so a
// hostile or broken peer costs at most one bounded parse.
#include "beamscope/protocol/framing.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "beamscope/protocol/history_series.hpp"
#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/requests.hpp"
#include "beamscope/protocol/version.hpp"

namespace beamscope::protocol {
namespace {

using namespace limits;

bool str_ok(const std::string& s) { return s.size() <= kMaxString; }

bool sample_ok(const v1::ProcessSample& p) {
  return str_ok(p.pid()) && str_ok(p.registered_name()) && str_ok(p.initial_call()) &&
         str_ok(p.current_function()) && str_ok(p.status()) && str_ok(p.application());
}

bool gauges_ok(const v1::VmGauges& g) {
  return static_cast<std::size_t>(g.run_queue_lengths_size()) <= kMaxSchedulers &&
         static_cast<std::size_t>(g.scheduler_util_size()) <= 3 * kMaxSchedulers;
}

bool histogram_ok(const v1::MailboxHistogram& h) {
  return static_cast<std::size_t>(h.upper_bounds_size()) <= kMaxHistogramBuckets &&
         h.counts_size() == h.upper_bounds_size();
}

bool info_ok(const v1::NodeInfo& i) {
  return i.node().size() <= kMaxNodeName && str_ok(i.otp_release()) && str_ok(i.erts_version()) &&
         str_ok(i.system_version()) && str_ok(i.agent_version());
}

template <typename Samples>
bool samples_ok(const Samples& samples) {
  if (static_cast<std::size_t>(samples.size()) > kMaxProcesses) return false;
  for (const auto& p : samples)
    if (!sample_ok(p)) return false;
  return true;
}

bool tree_node_ok(const v1::TreeNode& n) {
  if (static_cast<std::size_t>(n.modules_size()) > kMaxModules ||
      static_cast<std::size_t>(n.recent_restarts_size()) > kMaxRecentRestarts)
    return false;
  for (const auto& m : n.modules())
    if (!str_ok(m)) return false;
  for (const auto& r : n.recent_restarts())
    if (!str_ok(r.reason()) || !str_ok(r.old_pid()) || !str_ok(r.new_pid())) return false;
  // Ids are paths of child ids: allow a few levels of full-length names.
  return n.id().size() <= 4 * kMaxString && n.parent_id().size() <= 4 * kMaxString && str_ok(n.application()) &&
         str_ok(n.name()) && str_ok(n.pid()) && str_ok(n.pid_state()) && str_ok(n.restart_type()) &&
         str_ok(n.shutdown()) && str_ok(n.registered_name()) && str_ok(n.strategy()) && str_ok(n.walk_error());
}

template <typename Nodes>
bool tree_ok(const Nodes& nodes) {
  if (static_cast<std::size_t>(nodes.size()) > kMaxTreeNodes) return false;
  for (const auto& n : nodes)
    if (!tree_node_ok(n)) return false;
  return true;
}

template <typename Events>
bool events_ok(const Events& events) {
  if (static_cast<std::size_t>(events.size()) > kMaxEvents) return false;
  for (const auto& e : events)
    if (e.supervisor().size() > 4 * kMaxString || e.child().size() > 4 * kMaxString || !str_ok(e.pid()) ||
        !str_ok(e.reason()) || !str_ok(e.detail()))
      return false;
  return true;
}

template <typename Apps>
bool applications_ok(const Apps& apps) {
  if (static_cast<std::size_t>(apps.size()) > kMaxApplications) return false;
  for (const auto& a : apps)
    if (!str_ok(a.name())) return false;
  return true;
}

bool agent_ok(const v1::AgentStats& a) {
  if (static_cast<std::size_t>(a.stream_rejected_size()) > kMaxRejectReasons) return false;
  for (const auto& r : a.stream_rejected())
    if (!str_ok(r.reason())) return false;
  if (static_cast<std::size_t>(a.collectors_size()) > kMaxCollectorLinks) return false;
  for (const auto& c : a.collectors())
    if (!str_ok(c.endpoint()) || !str_ok(c.refused())) return false;
  if (static_cast<std::size_t>(a.peer_agents_size()) > kMaxPeerAgents) return false;
  for (const auto& p : a.peer_agents())
    if (!str_ok(p.node()) || !str_ok(p.endpoint()) || !str_ok(p.server_public_key())) return false;
  return true;
}

bool alerts_ok(const v1::Alerts& a) {
  if (static_cast<std::size_t>(a.active_size()) > kMaxAlerts) return false;
  for (const auto& x : a.active())
    if (x.subject().size() > 4 * kMaxString || !str_ok(x.pid()) || !str_ok(x.name()) || !str_ok(x.summary()))
      return false;
  return true;
}

// A collector's alert or tree change log (since 1.5).
bool log_entries_ok(const v1::HistoryAnswer& a) {
  if (static_cast<std::size_t>(a.entries_size()) > kMaxLogEntries) return false;
  for (const auto& e : a.entries())
    if (e.subject().size() > 4 * kMaxString || !str_ok(e.kind()) || !str_ok(e.name()) || !str_ok(e.summary()) ||
        !str_ok(e.alert()) || !str_ok(e.severity()) || !str_ok(e.pid()))
      return false;
  return true;
}

bool keyframe_ok(const v1::Keyframe& k) {
  return agent_ok(k.agent()) && info_ok(k.info()) && gauges_ok(k.gauges()) && histogram_ok(k.mailbox_histogram()) &&
         samples_ok(k.processes()) && tree_ok(k.tree()) && events_ok(k.events()) &&
         applications_ok(k.applications()) && alerts_ok(k.alerts());
}

bool delta_ok(const v1::Delta& d) {
  if (!agent_ok(d.agent())) return false;
  if (static_cast<std::size_t>(d.removed_size()) > kMaxRemoved) return false;
  for (const auto& pid : d.removed())
    if (!str_ok(pid)) return false;
  if (static_cast<std::size_t>(d.tree_removed_size()) > kMaxTreeRemoved) return false;
  for (const auto& id : d.tree_removed())
    if (id.size() > 4 * kMaxString) return false;
  return gauges_ok(d.gauges()) && histogram_ok(d.mailbox_histogram()) && samples_ok(d.upserted()) &&
         tree_ok(d.tree_upserted()) && events_ok(d.events()) && applications_ok(d.applications()) &&
         alerts_ok(d.alerts());
}

bool children_request_ok(const v1::ChildrenRequest& r) {
  return r.supervisor_id().size() <= 4 * kMaxString && r.limit() <= kMaxPageChildren;
}

bool children_page_ok(const v1::ChildrenPage& p) {
  if (static_cast<std::size_t>(p.children_size()) > kMaxPageChildren) return false;
  for (const auto& n : p.children())
    if (!tree_node_ok(n)) return false;
  return p.supervisor_id().size() <= 4 * kMaxString && str_ok(p.error());
}

bool str_max(const std::string& s, std::size_t n) { return s.size() <= n; }

template <typename Strings>
bool strings_ok(const Strings& v, std::size_t max_items, std::size_t max_len) {
  if (static_cast<std::size_t>(v.size()) > max_items) return false;
  for (const auto& s : v)
    if (s.size() > max_len) return false;
  return true;
}

bool processes_request_ok(const v1::ProcessesRequest& r) {
  return r.limit() <= kMaxPageProcesses && str_max(r.name_filter(), kMaxNameFilter) && str_ok(r.application());
}

bool processes_page_ok(const v1::ProcessesPage& p) {
  if (static_cast<std::size_t>(p.rows_size()) > kMaxPageProcesses || !str_ok(p.error())) return false;
  for (const auto& r : p.rows())
    if (!str_ok(r.pid()) || !str_ok(r.name()) || !str_ok(r.registered_name()) || !str_ok(r.initial_call()) ||
        !str_ok(r.current_function()) || !str_ok(r.application()))
      return false;
  return true;
}

bool named_ok(const google::protobuf::RepeatedPtrField<v1::NamedValue>& v) {
  if (static_cast<std::size_t>(v.size()) > kMaxGcFields) return false;
  for (const auto& n : v)
    if (!str_ok(n.name()) || !str_ok(n.value())) return false;
  return true;
}

bool detail_ok(const v1::ProcessDetail& d) {
  if (d.ByteSizeLong() > kMaxDetailBytes) return false;
  if (static_cast<std::size_t>(d.stacktrace_size()) > kMaxStackFrames ||
      static_cast<std::size_t>(d.recent_restarts_size()) > kMaxRecentRestarts)
    return false;
  for (const auto& f : d.stacktrace())
    if (!str_ok(f.function()) || !str_ok(f.file())) return false;
  for (const auto& r : d.recent_restarts())
    if (!str_ok(r.reason()) || !str_ok(r.old_pid()) || !str_ok(r.new_pid())) return false;
  return str_ok(d.pid()) && str_ok(d.error()) && str_ok(d.registered_name()) && str_ok(d.label()) &&
         str_ok(d.initial_call()) && str_ok(d.current_function()) && str_ok(d.application()) &&
         d.tree_id().size() <= 4 * kMaxString && str_ok(d.status()) && str_ok(d.priority()) &&
         str_ok(d.message_queue_data()) && str_ok(d.group_leader()) &&
         strings_ok(d.links(), kMaxDetailRefs, kMaxString) && strings_ok(d.monitors(), kMaxDetailRefs, kMaxString) &&
         strings_ok(d.monitored_by(), kMaxDetailRefs, kMaxString) &&
         strings_ok(d.dictionary_keys(), kMaxDictionaryKeys, kMaxString) &&
         strings_ok(d.actions_allowed(), 16, kMaxString) && named_ok(d.garbage_collection()) &&
         named_ok(d.garbage_collection_info());
}

bool action_request_ok(const v1::ActionRequest& r) {
  return str_ok(r.pid()) && str_ok(r.relayed_for()) && r.count() <= kMaxPeekMessages;
}

bool action_result_ok(const v1::ActionResult& r) {
  return r.ByteSizeLong() <= kMaxDetailBytes && str_ok(r.pid()) && str_ok(r.error()) &&
         str_max(r.text(), kMaxStateText) && strings_ok(r.messages(), kMaxPeekMessages, kMaxMessageText);
}

}  // namespace

const char* to_string(DecodeError e) {
  switch (e) {
    case DecodeError::kTooLarge: return "too_large";
    case DecodeError::kMalformed: return "malformed";
    case DecodeError::kWrongVersion: return "wrong_version";
    case DecodeError::kOutOfBounds: return "out_of_bounds";
    case DecodeError::kNoBody: return "no_body";
  }
  return "unknown";
}

bool within_bounds(const Envelope& env) {
  if (env.node().size() > kMaxNodeName) return false;
  switch (env.body_case()) {
    case Envelope::kKeyframe: return keyframe_ok(env.keyframe());
    case Envelope::kDelta: return delta_ok(env.delta());
    case Envelope::kHello: return str_ok(env.hello().client());
    case Envelope::kNodeGone: return str_ok(env.node_gone().reason());
    case Envelope::kRefused: return str_ok(env.refused().reason()) && str_ok(env.refused().message());
    case Envelope::kChildrenRequest: return children_request_ok(env.children_request());
    case Envelope::kChildrenPage: return children_page_ok(env.children_page());
    case Envelope::kProcessesRequest: return processes_request_ok(env.processes_request());
    case Envelope::kProcessesPage: return processes_page_ok(env.processes_page());
    case Envelope::kProcessRequest: return str_ok(env.process_request().pid());
    case Envelope::kProcessDetail: return detail_ok(env.process_detail());
    case Envelope::kActionRequest: return action_request_ok(env.action_request());
    case Envelope::kActionResult: return action_result_ok(env.action_result());
    case Envelope::kHistory: return history_ok(env.history()) && events_ok(env.history().events());
    case Envelope::kHistoryRequest: return str_ok(env.history_request().series());
    case Envelope::kHistoryAnswer: {
      const auto& a = env.history_answer();
      // A node's state at a time (since 1.6) is held to a keyframe's bounds.
      return history_answer_ok(a) && log_entries_ok(a) && (!a.has_state() || keyframe_ok(a.state())) &&
             (!a.has_state_history() || (history_ok(a.state_history()) && events_ok(a.state_history().events())));
    }
    default: return true;
  }
}

DecodeResult decode(std::string_view bytes) {
  std::uint32_t major_seen = 0;
  return decode(bytes, major_seen);
}

namespace {
// Parses `bytes` into `env` and checks it; the reason when refused.
std::optional<DecodeError> parse_checked(std::string_view bytes, Envelope& env, std::uint32_t& major_seen) {
  if (bytes.size() > kMaxFrameBytes) return DecodeError::kTooLarge;
  if (!env.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return DecodeError::kMalformed;
  major_seen = env.version_major();
  if (env.version_major() != kVersionMajor) return DecodeError::kWrongVersion;
  if (env.body_case() == Envelope::BODY_NOT_SET) return DecodeError::kNoBody;
  const bool is_data = env.body_case() == Envelope::kKeyframe || env.body_case() == Envelope::kDelta ||
                       env.body_case() == Envelope::kNodeGone || is_request(env) || is_answer(env) ||
                       env.body_case() == Envelope::kHistory;
  if (is_data && env.node().empty()) return DecodeError::kNoBody;
  if (!within_bounds(env)) return DecodeError::kOutOfBounds;
  return std::nullopt;
}

// A frame and the arena its rows and strings live in.
struct ArenaFrame {
  explicit ArenaFrame(const google::protobuf::ArenaOptions& opts) : arena(opts) {}
  google::protobuf::Arena arena;
};
}  // namespace

DecodeResult decode(std::string_view bytes, std::uint32_t& major_seen) {
  Envelope env;
  if (const auto refused = parse_checked(bytes, env, major_seen)) return *refused;
  return env;
}

OwnedDecodeResult decode_owned(std::string_view bytes, std::uint32_t& major_seen) {
  if (bytes.size() > kMaxFrameBytes) return DecodeError::kTooLarge;  // before the arena is sized by it
  google::protobuf::ArenaOptions opts;
  // The parsed frame takes about twice its wire size: one block, mostly;
  // at most 256 KiB up front (garbage of 8 MiB must not cost 16 MiB before
  // it fails to parse: a larger frame gets more blocks as it parses). A
  // multiple of 8: the arena keeps its cleanup list at a block's end, and
  // an odd size misaligned it (UBSan, fuzz_decode).
  const std::size_t wanted = std::clamp<std::size_t>(2 * bytes.size() + 512, 1024, 256u << 10);
  opts.start_block_size = (wanted + 7) & ~std::size_t{7};
  opts.max_block_size = std::max<std::size_t>(opts.start_block_size, 1u << 20);
  auto frame = std::make_shared<ArenaFrame>(opts);
  Envelope* env = google::protobuf::Arena::CreateMessage<Envelope>(&frame->arena);
  if (const auto refused = parse_checked(bytes, *env, major_seen)) return *refused;
  return OwnedEnvelope(std::move(frame), env);  // shares the arena's lifetime
}

std::int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string encode(Envelope& env, const std::string& node, std::uint64_t seq) {
  env.set_version_major(kVersionMajor);
  env.set_version_minor(kVersionMinor);
  env.set_node(node);
  env.set_seq(seq);
  env.set_timestamp_us(now_us());
  return env.SerializeAsString();
}

std::string encode(const Envelope& env) { return env.SerializeAsString(); }

}  // namespace beamscope::protocol
