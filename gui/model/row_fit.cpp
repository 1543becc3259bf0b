// Name versus badges; see row_fit.hpp.
#include "row_fit.hpp"

#include <algorithm>
#include <numeric>

namespace beamscope::gui {

RowFit fit_row(float avail, float name_w, float gap, const std::vector<BadgeSize>& badges) {
  RowFit fit;
  fit.forms.assign(badges.size(), BadgeForm::kFull);
  avail = std::max(0.0f, avail);
  auto width = [&](std::size_t i) {
    switch (fit.forms[i]) {
      case BadgeForm::kFull: return badges[i].full + gap;
      case BadgeForm::kShort: return badges[i].shorter + gap;
      case BadgeForm::kDropped: break;
    }
    return 0.0f;
  };
  auto badges_w = [&] {
    float w = 0;
    for (std::size_t i = 0; i < badges.size(); ++i) w += width(i);
    return w;
  };
  const float owed = std::min(name_w, avail);
  // Lowest priority first; ties: the later badge (drawn further left, nearer the name) first.
  std::vector<std::size_t> order(badges.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return badges[a].priority != badges[b].priority ? badges[a].priority < badges[b].priority : a > b;
  });
  for (std::size_t i : order) {
    if (owed + badges_w() <= avail) break;
    if (badges[i].shorter < badges[i].full) fit.forms[i] = BadgeForm::kShort;
  }
  for (std::size_t i : order) {
    if (owed + badges_w() <= avail) break;
    if (badges[i].priority < kKeepPriority) fit.forms[i] = BadgeForm::kDropped;
  }
  fit.name_width = std::max(0.0f, avail - badges_w());
  fit.name_elided = name_w > fit.name_width;
  return fit;
}

}  // namespace beamscope::gui
