// Atoms of the tree, event and page NIFs (publish_tree, publish_events,
// tree_snapshot, reply_page), made once at load like atoms.hpp. Fixed names only.
#pragma once

#include <erl_nif.h>

namespace beamscope::agent::tree_atoms {

#define BEAMSCOPE_TREE_ATOMS(X)                                                                        \
  X(id) X(parent_id) X(kind) X(application) X(name) X(pid) X(pid_state) X(restart_type) X(shutdown)   \
  X(modules) X(registered_name) X(message_queue_len) X(memory_bytes) X(reductions) X(strategy)         \
  X(intensity) X(period_s) X(child_specs) X(active_children) X(supervisors) X(workers) X(unresponsive) \
  X(walk_error) X(restarts_in_period) X(escalated) X(children_total) X(restarts_total)                  \
  X(self_restarts_total) X(recent_restarts) X(time_us) X(reason) X(old_pid) X(new_pid)                  \
  /* TreeNode kinds */                                                                                 \
  X(supervisor) X(worker) X(helper)                                                                    \
  /* Event */                                                                                          \
  X(child) X(detail) X(child_terminated) X(start_error) X(reached_max_restart_intensity)               \
  X(crash_report) X(long_gc) X(large_heap) X(long_schedule) X(busy_port) X(busy_dist_port)             \
  X(long_message_queue) X(enabled)                                                                     \
  /* TreeStats and the snapshot */                                                                     \
  X(walked_at_us) X(walk_duration_us) X(walks_total) X(tree) X(events) X(tree_stats) X(monitor)      \
  X(processes) X(events_dropped)                                                                       \
  /* children pages (page_terms.hpp) */                                                                \
  X(beamscope_children_request) X(beamscope_pager) X(request_id) X(supervisor_id) X(offset) X(limit)   \
  X(order) X(supervisor_order) X(by_mailbox) X(by_memory) X(by_reductions) X(unknown) X(total)          \
  X(children) X(error)

#define BEAMSCOPE_TREE_ATOM_DECL(name) extern ERL_NIF_TERM name;
BEAMSCOPE_TREE_ATOMS(BEAMSCOPE_TREE_ATOM_DECL)
#undef BEAMSCOPE_TREE_ATOM_DECL

/// Creates every atom; called from load and upgrade.
void init(ErlNifEnv* env);

}  // namespace beamscope::agent::tree_atoms
