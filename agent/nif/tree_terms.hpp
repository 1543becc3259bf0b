// The supervision tree, events and monitor counters between Erlang terms
// and protobuf: reads beamscope_tree's and beamscope_events' maps (bounded
// by protocol/limits.hpp, wrong types read as absent) and turns a keyframe's
// tree part back into maps for tree_snapshot/1.
#pragma once

#include <erl_nif.h>

#include "beamscope.pb.h"

namespace beamscope::agent {

/// Keeps at most this many events (the latest) in a keyframe.
inline constexpr int kKeyframeEvents = 256;

/// Reads a list of node maps into out.tree (parents first, as given; at
/// most kMaxTreeNodes; maps without an id are skipped) and the stats map
/// into out.tree_stats. False when `nodes` is not a list.
bool read_tree(ErlNifEnv* env, ERL_NIF_TERM nodes, ERL_NIF_TERM stats, v1::Keyframe& out);

/// Reads one node map (as read_tree does) into `out`; false when it is
/// not a map or has no id.
bool read_tree_node(ErlNifEnv* env, ERL_NIF_TERM node, v1::TreeNode& out);

/// Reads a list of event maps (oldest first) into out.events, keeping the
/// latest kKeyframeEvents, and the monitor map into out.monitor.
bool read_events(ErlNifEnv* env, ERL_NIF_TERM events, ERL_NIF_TERM monitor, v1::Keyframe& out);

/// #{tree => [map()], events => [map()], tree_stats => map(), monitor => map()}
/// of a keyframe; strings as binaries, kinds as atoms.
ERL_NIF_TERM snapshot_term(ErlNifEnv* env, const v1::Keyframe& kf);

}  // namespace beamscope::agent
