// Protocol 1.3 requests and answers between the stream server and Erlang,
// by the schema itself (protobuf reflection): a request becomes a map whose
// keys are its field names and whose enums are their value names in lower
// case (ProcessesRequest{sort: MEMORY} -> #{sort => memory, ...}); a map of
// the same shape becomes an answer. The atoms made are the schema's names
// only, a fixed set: nothing from outside input becomes an atom (request
// strings stay binaries).
#pragma once

#include <google/protobuf/message.h>

#include <erl_nif.h>

namespace beamscope::agent {

/// Every field of `msg` (defaults included), nested messages as maps,
/// repeated fields as lists, strings as binaries, enums as atoms.
ERL_NIF_TERM message_term(ErlNifEnv* env, const google::protobuf::Message& msg);

/// Reads `map` into `out` by field name; absent or mistyped fields stay
/// unset, strings are cut to their protocol bound (limits.hpp), lists to
/// 100,000 items. False when `map` is not a map. The caller checks the
/// result with protocol::within_bounds before sending it.
bool read_message(ErlNifEnv* env, ERL_NIF_TERM map, google::protobuf::Message& out);

}  // namespace beamscope::agent
