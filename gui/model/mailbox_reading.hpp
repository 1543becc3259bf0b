// One mailbox figure per process, with its age. The detail panel used to
// print two (the supervision tree walk's and the hot set sample's), read
// at different times. This picks the freshest read it has: the hot set's
// sample (every tick) while the process is in it, else the tree's (read at
// the agent's last walk, or with a fetched children page), else the last
// sample seen. Growth and time-to-alarm exist only with a sample. No ImGui.
#pragma once

#include <cstdint>
#include <string>

#include "beamscope.pb.h"
#include "process_table.hpp"

namespace beamscope::gui {

struct MailboxReading {
  enum class Source { kNone, kHotSample, kLastSample, kTreeWalk, kChildrenPage };
  Source source = Source::kNone;
  std::uint64_t messages = 0;
  std::int64_t read_at_us = 0;  ///< producer's unix µs of the read; 0 when unknown
  bool has_growth = false;      ///< growth and time-to-alarm below are the agent's
  double growth_per_s = 0.0;
  double seconds_to_threshold = 0.0;  ///< 0: not growing towards the alarm

  bool known() const { return source != Source::kNone; }
};

/// `sel` is the process table's selection (may be empty), `entry` the
/// selected tree entry (may be null) read at `entry_read_at_us` (0 unknown),
/// `entry_paged` when it came with a fetched page rather than the walk.
MailboxReading mailbox_reading(const ProcessTable::Selection& sel, const v1::TreeNode* entry,
                               std::int64_t entry_read_at_us, bool entry_paged);

/// "hot set sample", "last sample (left the hot set)", "tree walk", "children page".
const char* mailbox_source_text(MailboxReading::Source s);

/// Age of a read: "0.4 s old", "12 s old", "3m 05s old"; "age unknown" for
/// 0; a read stamped after `now_us` (clocks of two hosts) reads "just now".
std::string format_age(std::int64_t read_at_us, std::int64_t now_us);

/// Signed growth with its unit: "+1.20k/s", "-30/s", "0/s".
std::string format_growth(double per_s);

/// The agent's seconds_to_threshold is 0 both when the mailbox is not
/// growing and when it already reached mailbox_alarm; the growth tells them apart.
enum class AlarmOutlook { kNotGrowing, kReached, kIn };
AlarmOutlook alarm_outlook(double growth_per_s, double seconds_to_threshold);

/// Time until the alarm: "42.0 s", "4m 12s"; "reached"; "-" when not growing.
std::string format_to_alarm(double growth_per_s, double seconds_to_threshold);

/// Sort key, most urgent first: 0 when reached, the seconds, +inf when not growing.
double to_alarm_key(double growth_per_s, double seconds_to_threshold);

}  // namespace beamscope::gui
