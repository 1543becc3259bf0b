#include "hot_rates.hpp"

#include <algorithm>
#include <cmath>

namespace beamscope::agent {

double seconds_to_threshold(std::uint64_t mailbox, double growth_per_s, std::uint64_t alarm) {
  if (!(growth_per_s > 0) || mailbox >= alarm) return 0;
  return static_cast<double>(alarm - mailbox) / growth_per_s;
}

HotRates HotHistory::update(std::uint64_t key, std::int64_t now_us, std::uint64_t mailbox, std::uint64_t minor_gcs,
                            std::uint64_t alarm) {
  auto [it, fresh] = by_key_.try_emplace(key);
  Reading& r = it->second;
  if (!fresh && r.tick == tick_) return r.rates;  // read twice this tick
  HotRates rates;
  if (!fresh) {
    const double dt_s = static_cast<double>(std::max<std::int64_t>(now_us - r.at_us, 1)) / 1e6;
    rates.mailbox_growth_per_s = (static_cast<double>(mailbox) - static_cast<double>(r.mailbox)) / dt_s;
    // minor_gcs restarts from 0 at each fullsweep: a drop is not a rate.
    rates.minor_gcs_per_s =
        minor_gcs > r.minor_gcs ? static_cast<std::uint64_t>(std::llround((minor_gcs - r.minor_gcs) / dt_s)) : 0;
    rates.seconds_to_threshold = seconds_to_threshold(mailbox, rates.mailbox_growth_per_s, alarm);
  }
  r = Reading{now_us, mailbox, minor_gcs, rates, tick_};
  return rates;
}

void HotHistory::end_tick() {
  std::erase_if(by_key_, [this](const auto& kv) { return kv.second.tick != tick_; });
  ++tick_;
}

std::optional<HotHistory::Seen> HotHistory::last(std::uint64_t key) const {
  auto it = by_key_.find(key);
  // Read in the tick that ended last (the current tick's count is past it).
  if (it == by_key_.end() || it->second.tick + 1 != tick_) return std::nullopt;
  return Seen{it->second.rates.mailbox_growth_per_s, it->second.at_us};
}

std::size_t HotHistory::bytes() const {
  // A node of the map: the pair, two pointers and the hash; the buckets.
  return by_key_.size() * (sizeof(std::pair<const std::uint64_t, Reading>) + 3 * sizeof(void*)) +
         by_key_.bucket_count() * sizeof(void*);
}

}  // namespace beamscope::agent
