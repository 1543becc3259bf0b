// A restarted collector's history (--record FILE it wrote before): every
// node's VM ticks of the last hour are read back from the file into the
// HistoryStore, in the producer's time as live ones are, so `ctl history`
// and a viewer's charts through the new collector go back past its start
// (and the agents' own rings). Minute aggregates older than the hour are
// not rebuilt: they need the day oldest first, before any live tick.
#pragma once

#include <cstdint>
#include <stop_token>
#include <string>

#include "beamscope/collector/history_store.hpp"

namespace beamscope::collector {

struct RestoreStats {
  std::size_t nodes = 0;       ///< nodes with ticks in the window
  std::uint64_t ticks = 0;     ///< read from the file (the store keeps those older than its own)
  std::uint64_t segments = 0;  ///< decoded
  std::string error;           ///< the file could not be read (a new file has none)
};

/// Reads the ticks recorded within [now_us - window_us, now_us] of `path`
/// and hands them to `store` (HistoryStore::restore), node by node. Stops early (between
/// segments) when `stop` is requested.
RestoreStats restore_history(const std::string& path, HistoryStore& store, std::int64_t now_us,
                             std::int64_t window_us, std::stop_token stop = {});

}  // namespace beamscope::collector
