// The mailbox histogram over every process of the last sweep. The wire
// histogram has per-bucket counts plus an overflow; Prometheus wants
// cumulative buckets ending in le="+Inf", whose count equals _count.
#include <algorithm>
#include <limits>

#include "beamscope/exporters/metric_specs.hpp"
#include "families.hpp"

namespace beamscope::exporters::detail {

namespace {

prometheus::ClientMetric::Histogram cumulate(const v1::MailboxHistogram& h) {
  prometheus::ClientMetric::Histogram out;
  const int n = std::min(h.upper_bounds_size(), h.counts_size());
  std::uint64_t running = 0;
  double last_bound = -1;
  for (int i = 0; i < n; ++i) {
    running += h.counts(i);
    const auto bound = static_cast<double>(h.upper_bounds(i));
    // Bounds must rise strictly; a bad one is folded into the next bucket
    // instead of emitting a histogram Prometheus would refuse.
    if (bound <= last_bound) continue;
    out.bucket.push_back({running, bound});
    last_bound = bound;
  }
  // Counts beyond the shorter of the two arrays have no bound: overflow.
  for (int i = n; i < h.counts_size(); ++i) running += h.counts(i);
  running += h.overflow();
  out.bucket.push_back({running, std::numeric_limits<double>::infinity()});
  // _count is the +Inf bucket by definition; trust the buckets over h.count()
  // so the exposition is always self-consistent.
  out.sample_count = running;
  out.sample_sum = static_cast<double>(h.sum());
  return out;
}

}  // namespace

void add_mailbox_families(NodeScope& scope, const v1::Keyframe& kf) {
  if (!kf.has_mailbox_histogram()) return;  // no sweep finished yet
  const auto& h = kf.mailbox_histogram();
  scope.series(specs::kMailboxHistogram, {}).histogram = cumulate(h);
  scope.gauge(specs::kMailboxMessages, static_cast<double>(h.sum()));
}

}  // namespace beamscope::exporters::detail
