// Requests a viewer sends to a server and the answer each gets (children
// pages since 1.2; process pages, detail and actions since 1.3), in one
// place: which envelope bodies are requests, which answer which, the
// request id they share, and the error answer a server sends when it
// cannot serve one. The stream server, the agent, the collector's relay and
// the one-shot fetches of ctl and the GUI use these, so a new request kind
// is added here once.
//
//   if (is_request(env)) {
//     if (auto why = check_request(env)) reply(error_answer(env, *why));
//   }
//   bool mine = answers(request, frame);    // the frame is the answer to it
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "beamscope/protocol/framing.hpp"

namespace beamscope::protocol {

/// ChildrenRequest, ProcessesRequest, ProcessRequest, ActionRequest or HistoryRequest.
bool is_request(const Envelope& env);
/// ChildrenPage, ProcessesPage, ProcessDetail, ActionResult or HistoryAnswer.
bool is_answer(const Envelope& env);

/// The request_id of a request or an answer (0 for any other body).
std::uint64_t request_id(const Envelope& env);
/// Sets it (the collector's relay renumbers requests and answers back).
void set_request_id(Envelope& env, std::uint64_t id);

/// Whether `answer` is the answer to `request`: the matching body and the
/// same request id.
bool answers(const Envelope& request, const Envelope& answer);

/// Why the request in `env` cannot be served as it is (see processes.hpp's
/// check()); nullopt when it can, or for a ChildrenRequest (checked by its
/// server).
std::optional<std::string> check_request(const Envelope& env);

/// The answer a server sends when it cannot serve `request`: the matching
/// body with the request id (and what names the subject: supervisor id,
/// pid, action) and `why` as its error, node copied. Stamping (version,
/// seq, time) is the sender's. An ActionResult for a refused action also
/// sets `refused` when `refused` is true.
Envelope error_answer(const Envelope& request, const std::string& why, bool refused = false);

/// A one-line name of the request for logs: "processes page", "process
/// <0.1.0>", "action kill <0.1.0>", "children of demo/demo_sup".
std::string describe_request(const Envelope& request);

}  // namespace beamscope::protocol
