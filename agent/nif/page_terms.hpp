// Children pages (protocol 1.2) between the stream server and Erlang: a
// ChildrenRequest from a viewer becomes a message for the agent's pager
// process (beamscope_pager), and the page map it answers with becomes a
// ChildrenPage. Only fixed atoms are made; request strings stay binaries.
#pragma once

#include <string>

#include <erl_nif.h>

#include "beamscope.pb.h"

namespace beamscope::agent {

/// {beamscope_children_request, Viewer, #{request_id, supervisor_id,
/// offset, limit, order}} in `env`; order is supervisor_order | by_mailbox
/// | by_memory | by_reductions, or unknown for a value this agent does not
/// know.
ERL_NIF_TERM request_term(ErlNifEnv* env, const std::string& viewer, const v1::ChildrenRequest& request);

/// Reads the pager's page map (#{request_id, supervisor_id, offset, total,
/// order, children => [NodeMap], error}) into `out`, at most
/// kMaxPageChildren children. False when `page` is not a map.
bool read_page(ErlNifEnv* env, ERL_NIF_TERM page, v1::ChildrenPage& out);

/// The error page answering `request` (children empty).
v1::ChildrenPage error_page(const v1::ChildrenRequest& request, const std::string& error);

}  // namespace beamscope::agent
