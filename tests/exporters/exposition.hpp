// Test helpers: scrape a Collectable to text and look series up in it.
#pragma once

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include "beamscope/exporters/node_collectable.hpp"

namespace beamscope::testing {

/// The text exposition of one scrape of `c`.
inline std::string scrape(const prometheus::Collectable& c) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, c.Collect());
  return out.str();
}

/// The text of one scrape of a node collectable serving `kf` alone.
inline std::string scrape_keyframe(v1::Keyframe kf, exporters::CollectableOptions opts = {}) {
  auto snap = std::make_shared<const v1::Keyframe>(std::move(kf));
  auto c = exporters::make_node_collectable(
      [snap] { return std::vector<std::shared_ptr<const v1::Keyframe>>{snap}; }, opts);
  return scrape(*c);
}

/// Value of the sample line that starts with exactly `series` (name and
/// labels as serialized, e.g. R"(erlang_vm_process_count{node="a"})").
inline std::optional<double> value_of(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

/// Number of sample lines (not comments) whose metric name is `name`.
inline std::size_t count_series(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, name.size(), name) == 0 && line.size() > name.size() &&
        (line[name.size()] == '{' || line[name.size()] == ' ')) {
      ++n;
    }
  }
  return n;
}

}  // namespace beamscope::testing
