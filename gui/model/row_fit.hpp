// How a tree row shares its width between the name and the badges, so a
// name is never hidden under them: badges give way to the name, first to
// their short form (lowest priority first: memory, children, mailbox,
// restarts, health), then those below kKeepPriority leave the row. The
// signals that stay (mailbox, restarts, health) keep their short form and
// the name is elided with "…" before them (the view shows the full name
// on hover). Widths only: no ImGui.
#pragma once

#include <cstddef>
#include <vector>

namespace beamscope::gui {

struct BadgeSize {
  float full = 0;       ///< drawn width of the full text, padding included
  float shorter = 0;    ///< of the short form; == full when it has none
  int priority = 0;     ///< higher stays longer
};

enum class BadgeForm { kFull, kShort, kDropped };

struct RowFit {
  std::vector<BadgeForm> forms;  ///< one per badge, in the order given
  float name_width = 0;          ///< width the name may use
  bool name_elided = false;      ///< the name is wider than that
};

/// Badges of this priority or more stay on the row (short) however narrow.
inline constexpr int kKeepPriority = 2;

/// `avail`: width from the name's start to the row's right edge; `gap`
/// between badges and before the first.
RowFit fit_row(float avail, float name_w, float gap, const std::vector<BadgeSize>& badges);

}  // namespace beamscope::gui
