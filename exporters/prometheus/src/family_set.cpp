// FamilySet / NodeScope and label value sanitizing.
#include "beamscope/exporters/family_set.hpp"

#include <algorithm>
#include <utility>

namespace beamscope::exporters {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid
// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    const unsigned char min = k == 1 ? lo : 0x80;
    const unsigned char max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) return 0;
  }
  return len;
}

}  // namespace

std::string label_value(std::string_view raw) {
  std::string out;
  out.reserve(std::min(raw.size(), kMaxLabelValueBytes));
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t n = utf8_sequence(raw, i);
    const std::string_view piece = n ? raw.substr(i, n) : kReplacement;
    if (out.size() + piece.size() > kMaxLabelValueBytes) break;  // cut whole characters only
    out.append(piece);
    i += n ? n : 1;
  }
  return out;
}

prometheus::ClientMetric& FamilySet::add(const MetricSpec& spec, Labels labels) {
  auto [it, inserted] = index_.try_emplace(spec.name, families_.size());
  if (inserted) {
    prometheus::MetricFamily family;
    family.name = spec.name;
    family.help = spec.help;
    family.type = spec.type;
    families_.push_back(std::move(family));
  }
  auto& metrics = families_[it->second].metric;
  metrics.emplace_back();
  metrics.back().label = std::move(labels);
  ++series_;
  return metrics.back();
}

std::vector<prometheus::MetricFamily> FamilySet::take() {
  std::vector<prometheus::MetricFamily> out;
  out.reserve(families_.size());
  for (auto& f : families_) {
    if (!f.metric.empty()) out.push_back(std::move(f));
  }
  families_.clear();
  index_.clear();
  series_ = 0;
  return out;
}

prometheus::ClientMetric& NodeScope::series(const MetricSpec& spec, Labels extra) {
  Labels labels;
  labels.reserve(base_.size() + extra.size());
  labels.insert(labels.end(), base_.begin(), base_.end());
  for (auto& l : extra) labels.push_back(std::move(l));
  return set_.add(spec, std::move(labels));
}

void NodeScope::gauge(const MetricSpec& spec, double value, std::initializer_list<Label> extra) {
  auto& metric = series(spec, Labels(extra));
  // Kept prometheus.erl gauges with lint-breaking suffixes are untyped.
  if (spec.type == prometheus::MetricType::Untyped) metric.untyped.value = value;
  else metric.gauge.value = value;
}

void NodeScope::counter(const MetricSpec& spec, double value, std::initializer_list<Label> extra) {
  series(spec, Labels(extra)).counter.value = value;
}

bool NodeScope::has_base_label(std::string_view name) const {
  return std::any_of(base_.begin(), base_.end(), [&](const Label& l) { return l.name == name; });
}

}  // namespace beamscope::exporters
