// NIFs of process pages, detail and actions (protocol 1.3), which
// beamscope_inspect calls: a page sorted and filtered over the sweep's
// table (dirty: O(N)), one process's mailbox outlook, and the answers sent back
// to the asking viewer.
#pragma once

#include <erl_nif.h>

namespace beamscope::agent {

ERL_NIF_TERM nif_processes_page(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_mailbox_outlook(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_reply_answer(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_tree_entry(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_action_refusal(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_inspect_ready(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_sweep_wants_gcs(ErlNifEnv* env, int argc, const ERL_NIF_TERM argv[]);

}  // namespace beamscope::agent
