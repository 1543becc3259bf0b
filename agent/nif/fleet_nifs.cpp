#include "fleet_nifs.hpp"

#include <mutex>
#include <string>
#include <vector>

#include "agent_state.hpp"
#include "atoms.hpp"
#include "beamscope/protocol/limits.hpp"
#include "sweep_nifs.hpp"
#include "terms.hpp"

namespace beamscope::agent {
namespace {

ERL_NIF_TERM binary_of(ErlNifEnv* env, const std::string& text) {
  ERL_NIF_TERM term;
  unsigned char* data = enif_make_new_binary(env, text.size(), &term);
  std::copy(text.begin(), text.end(), data);
  return term;
}

}  // namespace

ERL_NIF_TERM nif_stream_identity(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  if (!s) return enif_make_badarg(env);
  const auto id = s->stream_identity();  // set once at start: no lock
  ERL_NIF_TERM keys[] = {enif_make_atom(env, "endpoint"), enif_make_atom(env, "public_key")};
  ERL_NIF_TERM values[] = {binary_of(env, id.endpoint), binary_of(env, id.public_key)};
  ERL_NIF_TERM map;
  enif_make_map_from_arrays(env, keys, values, 2, &map);
  return map;
}

ERL_NIF_TERM nif_set_peer_agents(ErlNifEnv* env, int, const ERL_NIF_TERM argv[]) {
  AgentState* s = state_of(env, argv[0]);
  if (!s || !enif_is_list(env, argv[1])) return enif_make_badarg(env);
  std::vector<v1::PeerAgent> peers;
  ERL_NIF_TERM head, tail = argv[1];
  while (enif_get_list_cell(env, tail, &head, &tail) && peers.size() < protocol::limits::kMaxPeerAgents) {
    int arity = 0;
    const ERL_NIF_TERM* t = nullptr;
    if (!enif_get_tuple(env, head, &arity, &t) || arity != 3) return enif_make_badarg(env);
    v1::PeerAgent p;
    p.set_node(terms::text(env, t[0], protocol::limits::kMaxString));
    p.set_endpoint(terms::text(env, t[1], protocol::limits::kMaxString));
    p.set_server_public_key(terms::text(env, t[2], protocol::limits::kMaxString));
    if (p.node().empty()) return enif_make_badarg(env);
    peers.push_back(std::move(p));
  }
  std::lock_guard lock(s->mutex());
  s->set_peer_agents(std::move(peers));
  return atoms::ok;
}

}  // namespace beamscope::agent
