// Which mailbox figure to show; see mailbox_reading.hpp.
#include "mailbox_reading.hpp"

#include <cmath>
#include <limits>

#include "format.hpp"

namespace beamscope::gui {

MailboxReading mailbox_reading(const ProcessTable::Selection& sel, const v1::TreeNode* entry,
                               std::int64_t entry_read_at_us, bool entry_paged) {
  MailboxReading r;
  auto from_sample = [&](MailboxReading::Source src) {
    r.source = src;
    r.messages = sel.sample->message_queue_len();
    r.read_at_us = sel.sampled_at_us;
    r.has_growth = true;
    r.growth_per_s = sel.sample->mailbox_growth_per_s();
    r.seconds_to_threshold = sel.sample->seconds_to_threshold();
  };
  // The same process only: a tree entry whose pid changed (a restart) is
  // another process than the sample.
  const bool entry_same = entry && !entry->pid().empty() && (!sel.sample || sel.sample->pid() == entry->pid());
  if (sel.sample && sel.in_hot_set) {
    from_sample(MailboxReading::Source::kHotSample);
  } else if (entry_same && (!sel.sample || entry_read_at_us >= sel.sampled_at_us)) {
    r.source = entry_paged ? MailboxReading::Source::kChildrenPage : MailboxReading::Source::kTreeWalk;
    r.messages = entry->message_queue_len();
    r.read_at_us = entry_read_at_us;
  } else if (sel.sample) {
    from_sample(MailboxReading::Source::kLastSample);
  }
  return r;
}

const char* mailbox_source_text(MailboxReading::Source s) {
  switch (s) {
    case MailboxReading::Source::kHotSample: return "hot set sample";
    case MailboxReading::Source::kLastSample: return "last sample (left the hot set)";
    case MailboxReading::Source::kTreeWalk: return "tree walk";
    case MailboxReading::Source::kChildrenPage: return "children page";
    case MailboxReading::Source::kNone: break;
  }
  return "none";
}

std::string format_age(std::int64_t read_at_us, std::int64_t now_us) {
  if (read_at_us <= 0) return "age unknown";
  const std::int64_t age = now_us - read_at_us;
  if (age < 50'000) return "just now";
  return format_duration_ms(static_cast<std::uint64_t>(age / 1000)) + " old";
}

std::string format_growth(double per_s) {
  if (std::isnan(per_s) || per_s == 0.0) return "0/s";
  return (per_s > 0 ? "+" : "") + format_si(per_s) + "/s";
}

AlarmOutlook alarm_outlook(double growth_per_s, double seconds_to_threshold) {
  if (!(growth_per_s > 0.0)) return AlarmOutlook::kNotGrowing;
  return seconds_to_threshold > 0.0 ? AlarmOutlook::kIn : AlarmOutlook::kReached;
}

std::string format_to_alarm(double growth_per_s, double seconds_to_threshold) {
  switch (alarm_outlook(growth_per_s, seconds_to_threshold)) {
    case AlarmOutlook::kNotGrowing: return "-";
    case AlarmOutlook::kReached: return "reached";
    case AlarmOutlook::kIn: break;
  }
  return format_duration_ms(static_cast<std::uint64_t>(std::llround(seconds_to_threshold * 1000.0)));
}

double to_alarm_key(double growth_per_s, double seconds_to_threshold) {
  switch (alarm_outlook(growth_per_s, seconds_to_threshold)) {
    case AlarmOutlook::kNotGrowing: return std::numeric_limits<double>::infinity();
    case AlarmOutlook::kReached: return 0.0;
    case AlarmOutlook::kIn: break;
  }
  return seconds_to_threshold;
}

}  // namespace beamscope::gui
