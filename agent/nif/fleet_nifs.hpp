// NIFs of the agent's place in a fleet: how a viewer reaches this agent's
// stream (asked by the agents of other nodes of the cluster), and the
// agents those nodes run (beamscope_peers), published for a collector's
// --discover.
#pragma once

#include <erl_nif.h>

namespace beamscope::agent {

/// stream_identity(Ref) -> #{endpoint => Binary, public_key => Binary}
/// (empty binaries: no stream bound / plaintext).
ERL_NIF_TERM nif_stream_identity(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
/// set_peer_agents(Ref, [{Node, Endpoint, PublicKey}]) -> ok, each a
/// binary; at most protocol::limits::kMaxPeerAgents, each cut to the
/// protocol's string bound.
ERL_NIF_TERM nif_set_peer_agents(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);

}  // namespace beamscope::agent
