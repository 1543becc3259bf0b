// The vocabulary of process pages, process detail and actions (protocol
// 1.3): the stable names of sort keys and actions (what ctl flags, JSON,
// the GUI and the agent's app env say), the checks every request passes
// before anyone acts on it, and the refusals. One owner: the agent, the
// collector, ctl and the GUI all call these, none keeps a copy.
//
//   v1::ProcessesRequest req = processes_request(ProcessesRequest::MAILBOX, 0, 100);
//   req.set_request_id(next_id);                 // chosen by the viewer, echoed back
//   req.set_name_filter("worker");
//   if (auto why = check(req)) { /* *why: "limit 2000 is above 1000" */ }
//   protocol::Envelope env;
//   env.set_node(node);                          // the node asked (required)
//   *env.mutable_processes_request() = req;
//   stream_client.request(env);                  // or transport::fetch_answer()
//   // The answer arrives at the client's ReplyHandler: the frame for which
//   // requests.hpp's answers(env, frame) is true (a ProcessesPage with the
//   // same request_id). Its error() is set when the agent cannot serve it
//   // (busy, unknown node, an agent before 1.3: "this server does not
//   // serve ..."), and rows are empty then.
//
// Process detail: a ProcessRequest{pid} answered by a ProcessDetail; its
// actions_allowed lists the action names (action_name) the agent allows,
// so a viewer shows only those. An action: ActionRequest{pid, action,
// count} answered by an ActionResult (refused true and error naming the
// setting when the agent does not allow it).
//
// Bounds (rows in a page, stack frames, printed text) are in limits.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "beamscope.pb.h"

namespace beamscope::protocol {

using v1::ActionRequest;
using v1::ProcessesRequest;

// --- names -----------------------------------------------------------------

/// Every sort key, in the order the protocol numbers them.
std::span<const ProcessesRequest::SortKey> page_sort_keys();
/// "mailbox", "growth", "memory", "reductions", "gc", "application"
/// (ctl --by, JSON "sort", the GUI's column ids).
std::string_view page_key_name(ProcessesRequest::SortKey key);
/// The key of a name above; nullopt for anything else.
std::optional<ProcessesRequest::SortKey> parse_page_key(std::string_view name);
/// Words for people: "mailbox", "mailbox growth/s", "memory (heap)",
/// "reductions/s", "minor GCs", "application".
std::string_view page_key_title(ProcessesRequest::SortKey key);

/// Every action, in the order the protocol numbers them.
std::span<const ActionRequest::Action> actions();
/// "gc", "kill", "suspend", "resume", "state", "messages" (ctl
/// subcommands, JSON "action").
std::string_view action_name(ActionRequest::Action action);
std::optional<ActionRequest::Action> parse_action(std::string_view name);
/// The allow_actions entry that enables `action`: its own name, and
/// "suspend" for RESUME. An agent refusing an action names it.
std::string_view action_setting(ActionRequest::Action action);
/// The refusal text: "action kill is off on this agent: add kill to the
/// beamscope application env allow_actions (see README)".
std::string action_refusal(ActionRequest::Action action);

// --- pids ------------------------------------------------------------------

/// Whether `text` is a printed local or remote pid, "<A.B.C>" with decimal
/// parts (what ProcessSample.pid holds). Nothing else is ever turned into
/// a pid by an agent.
bool is_pid_text(std::string_view text);

// --- requests --------------------------------------------------------------

/// A request with its defaults (descending, no filters).
ProcessesRequest processes_request(ProcessesRequest::SortKey key, std::uint32_t offset, std::uint32_t limit);

/// Why a request cannot be served as it is, or nullopt when it can. Agents
/// answer the text as the page's / result's error; viewers check before
/// sending. Unknown enum values, a limit of 0 or above kMaxPageProcesses,
/// a name filter above kMaxNameFilter, a pid that is no pid text, a
/// MESSAGES count of 0 or above kMaxPeekMessages.
std::optional<std::string> check(const ProcessesRequest& request);
std::optional<std::string> check(const v1::ProcessRequest& request);
std::optional<std::string> check(const ActionRequest& request);

/// Whether the process `name`/`registered_name`/`initial_call` (any of
/// them) contains `filter`, ASCII case-insensitively. The agent's NIF
/// filters with this over its interned names; tests compute ground truth
/// with the same rule.
bool name_matches(std::string_view filter, std::string_view text);

}  // namespace beamscope::protocol
