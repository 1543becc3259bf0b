// Per-process series with bounded cardinality: for each ranking, only the
// top-K of the hot set is emitted, labelled by pid and a readable name.
// Series are rebuilt every scrape, so a process that left the top-K simply
// is not there next time (nothing to unregister, nothing to leak).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "beamscope/exporters/metric_specs.hpp"
#include "families.hpp"

namespace beamscope::exporters::detail {

namespace {

using Value = std::uint64_t (*)(const v1::ProcessSample&);

struct Ranking {
  const MetricSpec* spec;
  Value value;  // 0 means "not ranked" (see below)
};

std::uint64_t mailbox(const v1::ProcessSample& p) { return p.message_queue_len(); }
// A guarded process had its memory left unread (mailbox too long to pay for
// process_info(memory)); 0 would be a lie, so it is not ranked by memory.
std::uint64_t memory(const v1::ProcessSample& p) { return p.memory_guarded() ? 0 : p.memory_bytes(); }
std::uint64_t reduction_rate(const v1::ProcessSample& p) { return p.reductions_per_s(); }
std::uint64_t gc_rate(const v1::ProcessSample& p) { return p.minor_gcs_per_s(); }

const Ranking kRankings[] = {
    {&specs::kProcessMailbox, &mailbox},
    {&specs::kProcessMemory, &memory},
    {&specs::kProcessReductionRate, &reduction_rate},
    {&specs::kProcessGcRate, &gc_rate},
};

// The name people know a process by: registered name, else initial call
// (the agent already resolves proc_lib's '$initial_call'). The protocol has
// no proc_lib label (OTP 27's proc_lib:set_label/1) yet; when it does, it
// goes between the two. The pid label keeps two unnamed workers apart.
const std::string& display_name(const v1::ProcessSample& p) {
  return p.registered_name().empty() ? p.initial_call() : p.registered_name();
}

void add_ranking(NodeScope& scope, const v1::Keyframe& kf, const Ranking& r, std::size_t top_k) {
  // Zero values are skipped: when every mailbox is empty a "top 20" of
  // zeros would be an arbitrary, churning set of series.
  std::vector<const v1::ProcessSample*> ranked;
  for (const auto& p : kf.processes()) {
    if (r.value(p) > 0) ranked.push_back(&p);
  }
  const std::size_t n = std::min(top_k, ranked.size());
  // Ties by pid so the chosen set is stable between scrapes.
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(n), ranked.end(),
                    [&](const v1::ProcessSample* a, const v1::ProcessSample* b) {
                      const auto va = r.value(*a), vb = r.value(*b);
                      return va != vb ? va > vb : a->pid() < b->pid();
                    });
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = *ranked[i];
    scope.series(*r.spec, {{"pid", label_value(p.pid())}, {"name", label_value(display_name(p))}}).gauge.value =
        static_cast<double>(r.value(p));
  }
}

// The fastest-growing mailboxes with the agent's own figures (growth and
// time to mailbox_alarm, computed once in its hot sampler).
void add_growth(NodeScope& scope, const v1::Keyframe& kf, std::size_t top_k) {
  std::vector<const v1::ProcessSample*> growing;
  for (const auto& p : kf.processes())
    if (p.mailbox_growth_per_s() > 0) growing.push_back(&p);
  const std::size_t n = std::min(top_k, growing.size());
  std::partial_sort(growing.begin(), growing.begin() + static_cast<std::ptrdiff_t>(n), growing.end(),
                    [](const v1::ProcessSample* a, const v1::ProcessSample* b) {
                      return a->mailbox_growth_per_s() != b->mailbox_growth_per_s()
                                 ? a->mailbox_growth_per_s() > b->mailbox_growth_per_s()
                                 : a->pid() < b->pid();
                    });
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = *growing[i];
    scope.gauge(specs::kProcessMailboxGrowth, p.mailbox_growth_per_s(),
                {{"pid", label_value(p.pid())}, {"name", label_value(display_name(p))}});
    // 0 means "already at the alarm" or unknown: no series rather than a
    // zero that reads as "now".
    if (p.seconds_to_threshold() > 0)
      scope.gauge(specs::kProcessSecondsToAlarm, p.seconds_to_threshold(),
                  {{"pid", label_value(p.pid())}, {"name", label_value(display_name(p))}});
  }
}

}  // namespace

void add_process_families(NodeScope& scope, const v1::Keyframe& kf, std::size_t top_k) {
  if (top_k == 0) return;
  for (const auto& r : kRankings) add_ranking(scope, kf, r, top_k);
  add_growth(scope, kf, top_k);
}

}  // namespace beamscope::exporters::detail
