// Names, checks and refusals of process pages, detail and actions (see
// processes.hpp).
#include "beamscope/protocol/processes.hpp"

#include <array>
#include <cctype>

#include "beamscope/protocol/limits.hpp"

namespace beamscope::protocol {
namespace {

using Key = ProcessesRequest::SortKey;
using Action = ActionRequest::Action;

struct KeyName {
  Key key;
  std::string_view name;
  std::string_view title;
};
constexpr std::array<KeyName, 6> kKeys{{
    {ProcessesRequest::MAILBOX, "mailbox", "mailbox"},
    {ProcessesRequest::MAILBOX_GROWTH, "growth", "mailbox growth/s"},
    {ProcessesRequest::MEMORY, "memory", "memory (heap)"},
    {ProcessesRequest::REDUCTIONS, "reductions", "reductions/s"},
    {ProcessesRequest::MINOR_GCS, "gc", "minor GCs"},
    {ProcessesRequest::APPLICATION, "application", "application"},
}};
constexpr std::array<Key, 6> kKeyList{ProcessesRequest::MAILBOX,    ProcessesRequest::MAILBOX_GROWTH,
                                      ProcessesRequest::MEMORY,     ProcessesRequest::REDUCTIONS,
                                      ProcessesRequest::MINOR_GCS, ProcessesRequest::APPLICATION};

struct ActionName {
  Action action;
  std::string_view name;
  std::string_view setting;
};
constexpr std::array<ActionName, 6> kActions{{
    {ActionRequest::GC, "gc", "gc"},
    {ActionRequest::KILL, "kill", "kill"},
    {ActionRequest::SUSPEND, "suspend", "suspend"},
    {ActionRequest::RESUME, "resume", "suspend"},
    {ActionRequest::STATE, "state", "state"},
    {ActionRequest::MESSAGES, "messages", "messages"},
}};
constexpr std::array<Action, 6> kActionList{ActionRequest::GC,      ActionRequest::KILL,  ActionRequest::SUSPEND,
                                            ActionRequest::RESUME, ActionRequest::STATE, ActionRequest::MESSAGES};

const KeyName* key_entry(Key key) {
  for (const auto& k : kKeys)
    if (k.key == key) return &k;
  return nullptr;
}

const ActionName* action_entry(Action a) {
  for (const auto& e : kActions)
    if (e.action == a) return &e;
  return nullptr;
}

std::optional<std::string> check_pid(const std::string& pid) {
  if (is_pid_text(pid)) return std::nullopt;
  return "not a pid: \"" + pid.substr(0, 40) + (pid.size() > 40 ? "...\"" : "\"") + " (expected <A.B.C>)";
}

}  // namespace

std::span<const Key> page_sort_keys() { return kKeyList; }

std::string_view page_key_name(Key key) {
  const auto* k = key_entry(key);
  return k ? k->name : std::string_view("unknown");
}

std::string_view page_key_title(Key key) {
  const auto* k = key_entry(key);
  return k ? k->title : std::string_view("unknown");
}

std::optional<Key> parse_page_key(std::string_view name) {
  for (const auto& k : kKeys)
    if (k.name == name) return k.key;
  return std::nullopt;
}

std::span<const Action> actions() { return kActionList; }

std::string_view action_name(Action action) {
  const auto* a = action_entry(action);
  return a ? a->name : std::string_view("unknown");
}

std::optional<Action> parse_action(std::string_view name) {
  for (const auto& a : kActions)
    if (a.name == name) return a.action;
  return std::nullopt;
}

std::string_view action_setting(Action action) {
  const auto* a = action_entry(action);
  return a ? a->setting : std::string_view("unknown");
}

std::string action_refusal(Action action) {
  const std::string setting(action_setting(action));
  return "action " + std::string(action_name(action)) + " is off on this agent: add " + setting +
         " to the beamscope application env allow_actions (see README)";
}

bool is_pid_text(std::string_view text) {
  // "<" digits "." digits "." digits ">", each part 1..10 digits.
  if (text.size() < 7 || text.size() > 40 || text.front() != '<' || text.back() != '>') return false;
  int parts = 0;
  std::size_t digits = 0;
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      if (++digits > 10) return false;
    } else if (c == '.' && digits > 0 && parts < 2) {
      ++parts;
      digits = 0;
    } else {
      return false;
    }
  }
  return parts == 2 && digits > 0;
}

ProcessesRequest processes_request(Key key, std::uint32_t offset, std::uint32_t limit) {
  ProcessesRequest r;
  r.set_sort(key);
  r.set_offset(offset);
  r.set_limit(limit);
  return r;
}

std::optional<std::string> check(const ProcessesRequest& r) {
  if (!key_entry(r.sort())) return "unknown sort key " + std::to_string(static_cast<int>(r.sort()));
  if (r.limit() == 0) return std::string("limit 0: ask for at least one process");
  if (r.limit() > limits::kMaxPageProcesses)
    return "limit " + std::to_string(r.limit()) + " is above " + std::to_string(limits::kMaxPageProcesses);
  if (r.name_filter().size() > limits::kMaxNameFilter)
    return "name filter of " + std::to_string(r.name_filter().size()) + " bytes is above " +
           std::to_string(limits::kMaxNameFilter);
  if (r.application().size() > limits::kMaxString) return std::string("application name too long");
  return std::nullopt;
}

std::optional<std::string> check(const v1::ProcessRequest& r) { return check_pid(r.pid()); }

std::optional<std::string> check(const ActionRequest& r) {
  if (!action_entry(r.action())) return "unknown action " + std::to_string(static_cast<int>(r.action()));
  if (auto why = check_pid(r.pid())) return why;
  if (r.action() == ActionRequest::MESSAGES && (r.count() == 0 || r.count() > limits::kMaxPeekMessages))
    return "messages: count " + std::to_string(r.count()) + " is not within 1.." +
           std::to_string(limits::kMaxPeekMessages);
  if (r.relayed_for().size() > limits::kMaxString) return std::string("relayed_for too long");
  return std::nullopt;
}

bool name_matches(std::string_view filter, std::string_view text) {
  if (filter.empty()) return true;
  if (filter.size() > text.size()) return false;
  const auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  for (std::size_t i = 0; i + filter.size() <= text.size(); ++i) {
    std::size_t j = 0;
    while (j < filter.size() && lower(text[i + j]) == lower(filter[j])) ++j;
    if (j == filter.size()) return true;
  }
  return false;
}

}  // namespace beamscope::protocol
