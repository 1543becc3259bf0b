// Building blocks for scrape-time metric families: a set of families keyed
// by name (so many nodes add series to one family, as the text format
// requires) and a per-node scope that stamps the node's base labels on
// every series. Used by the node collectable and by programs that export a
// few metrics of their own (the collector's beamscope_collector_*).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

namespace beamscope::exporters {

/// Name, help and type of one metric family; the help must be a single
/// line without backslashes (prometheus-cpp writes it unescaped).
struct MetricSpec {
  const char* name;
  const char* help;
  prometheus::MetricType type;
};

using Label = prometheus::ClientMetric::Label;
using Labels = std::vector<Label>;

/// Longest label value we emit, in bytes; longer values are cut at a UTF-8
/// boundary so one odd registered name cannot bloat every scrape.
inline constexpr std::size_t kMaxLabelValueBytes = 256;

/// Returns `raw` as valid UTF-8 (invalid sequences become U+FFFD) of at most
/// kMaxLabelValueBytes. Quotes, backslashes and newlines are kept: the text
/// serializer escapes them. Prometheus rejects a scrape with invalid UTF-8.
///   labels.push_back({"name", label_value(p.registered_name())});
std::string label_value(std::string_view raw);

/// The families of one scrape, in first-use order.
///   FamilySet set;
///   set.add(kSpec, {{"node", "a@h"}}).gauge.value = 1;
///   return set.take();
class FamilySet {
 public:
  /// Adds one series to the family of `spec` (created on first use) and
  /// returns it for the caller to fill in the value.
  prometheus::ClientMetric& add(const MetricSpec& spec, Labels labels);

  /// The families that have at least one series; leaves the set empty.
  std::vector<prometheus::MetricFamily> take();

  /// Number of series added so far (all families).
  std::size_t series() const { return series_; }

 private:
  std::vector<prometheus::MetricFamily> families_;
  std::unordered_map<std::string, std::size_t> index_;
  std::size_t series_ = 0;
};

/// Adds series for one node: every series gets the scope's base labels
/// first (node="..." in the collector, none in the agent), then its own.
class NodeScope {
 public:
  NodeScope(FamilySet& set, Labels base) : set_(set), base_(std::move(base)) {}

  /// One gauge sample.
  void gauge(const MetricSpec& spec, double value, std::initializer_list<Label> extra = {});
  /// One counter sample (the spec's type must be Counter).
  void counter(const MetricSpec& spec, double value, std::initializer_list<Label> extra = {});
  /// A series with base + extra labels; the caller sets the value (histograms).
  prometheus::ClientMetric& series(const MetricSpec& spec, Labels extra);

  /// True when the base labels already hold `name` (avoid duplicate labels).
  bool has_base_label(std::string_view name) const;

 private:
  FamilySet& set_;
  Labels base_;
};

}  // namespace beamscope::exporters
