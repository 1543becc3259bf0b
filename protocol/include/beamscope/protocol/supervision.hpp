// Facts about supervisors that every reader derives the same way: the
// inspector's tree and detail, ctl tree, the exporters' restart families
// and the alert rules. One definition each, so they never disagree.
//   if (auto left = protocol::restart_headroom(node)) show(*left);
#pragma once

#include <cstdint>
#include <optional>

#include "beamscope.pb.h"

namespace beamscope::protocol {

/// Whether the agent read this supervisor's flags (strategy, intensity,
/// period): a supervisor that did not answer has none.
bool supervisor_flags_known(const v1::TreeNode& n);

/// Restarts a supervisor may still take inside its period before OTP stops
/// it: intensity - restarts_in_period, never negative. None for other
/// kinds and for a supervisor whose flags are not known (0 would read as
/// "the next restart escalates").
std::optional<std::uint32_t> restart_headroom(const v1::TreeNode& n);

/// How much of its restart intensity a supervisor used in its period:
/// near from `near` of it (the alert rules' setting), at when all of it.
enum class IntensityUse { kNone, kNear, kAt };
inline constexpr double kIntensityNear = 0.5;
IntensityUse intensity_use(const v1::TreeNode& n, double near = kIntensityNear);

/// Restarts of an entry as its parent's child: a worker's restarts_total,
/// a supervisor's self_restarts_total (its restarts_total counts its
/// children's). What a parent's per-child series and rows count.
std::uint64_t restarts_as_child(const v1::TreeNode& n);

/// Whether a supervisor's children are instances started on demand
/// (simple_one_for_one, or so many that the agent summarised them and sent
/// children_total): they are ordered by mailbox, counted in their
/// supervisor's totals and never exported one series each.
bool has_dynamic_children(const v1::TreeNode& n);

}  // namespace beamscope::protocol
