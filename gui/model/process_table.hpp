// The Processes tab as data: rows of the hot set from one immutable
// keyframe, filtered by a text box, ordered by table sort specs, with a
// selection that survives refreshes (by pid). Sorting happens only when the
// data, filter or sort order changed, never per frame.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "beamscope.pb.h"

namespace beamscope::gui {

enum class ProcessColumn : int {
  kPid,
  kName,
  kMailbox,
  kMemory,
  kReductionsPerS,
  kHeap,
  kMinorGcs,
  kCurrentFunction,
  kStatus,
  kGrowth,    ///< mailbox growth, messages/s (the agent's, across recent sweeps)
  kToAlarm,   ///< time until the mailbox reaches mailbox_alarm at that growth
  kCount,
};
inline constexpr int kProcessColumnCount = static_cast<int>(ProcessColumn::kCount);

/// Header text of a column, e.g. "Mailbox".
const char* column_title(ProcessColumn c);

/// How a column starts out (a person may resize, hide and reorder; ImGui's
/// ini keeps that): its width in font heights, so Name and Current function
/// open wide enough to read, and whether its first sort is ascending.
struct ColumnSpec {
  ProcessColumn column;
  float width_em;
  bool numeric;        ///< right-aligned
  bool ascending_first;
  bool hidden;         ///< hidden until the person shows it (header menu)
};
/// Every column in the order shown at first.
const std::vector<ColumnSpec>& process_columns();

struct SortSpec {
  ProcessColumn column = ProcessColumn::kMailbox;
  bool descending = true;
};

/// Registered name, else initial call, else the pid: what a person calls it.
std::string display_name(const v1::ProcessSample& p);

/// Compares pids by their numbers, so "<0.9.0>" < "<0.10.0>" (text order
/// would say otherwise). Non-pids sort after pids, by text. Returns <0, 0, >0.
int compare_pids(const std::string& a, const std::string& b);

class ProcessTable {
 public:
  ProcessTable() { sort_.push_back({}); }

  /// New data: takes the keyframe (shared, immutable). No-op for the same pointer.
  void set_data(std::shared_ptr<const v1::Keyframe> kf);
  /// Case-insensitive substring over pid, name, initial call, current
  /// function, application and status.
  void set_filter(const std::string& text);
  /// Primary key first; an empty list keeps the data order.
  void set_sort(std::vector<SortSpec> specs);

  /// Indices into rows() in display order; recomputed lazily when dirty.
  const std::vector<int>& visible();
  const v1::ProcessSample& row(int index) const { return data_->processes(index); }
  /// The hot set's sample of `pid`, nullptr when it is not in the hot set.
  const v1::ProcessSample* find(const std::string& pid) const;
  std::size_t total() const { return data_ ? static_cast<std::size_t>(data_->processes_size()) : 0; }
  /// Word size of the node, for heap sizes in bytes (8 when unknown).
  std::uint64_t word_size() const;

  void select(const std::string& pid);
  void clear_selection();
  /// Keyboard: the pid `delta` rows away from the selection in display
  /// order (the first or last row when nothing visible is selected); ""
  /// when there are no rows. Does not select: the caller routes it.
  std::string pid_at_offset(int delta);
  /// Row in visible() of the selection, -1 when not shown.
  int selected_row();
  const std::string& selected_pid() const { return selected_pid_; }
  /// The selected process in the current data; when it left the hot set,
  /// its last known sample with `in_hot_set` false.
  struct Selection {
    const v1::ProcessSample* sample = nullptr;
    bool in_hot_set = false;
    std::int64_t sampled_at_us = 0;  ///< producer time of the keyframe the sample came from
  };
  Selection selection() const;

  /// How many times rows were re-sorted (tests check sorting is lazy).
  std::uint64_t sort_count() const { return sort_count_; }

 private:
  void rebuild();
  bool matches(const v1::ProcessSample& p) const;

  std::shared_ptr<const v1::Keyframe> data_;
  std::unordered_map<std::string, int> by_pid_;  // rows of data_, rebuilt with it
  std::string filter_;  // lower-cased
  std::vector<SortSpec> sort_;
  std::vector<int> visible_;
  bool dirty_ = true;
  std::uint64_t sort_count_ = 0;
  std::string selected_pid_;
  int selected_index_ = -1;                      // in data_, -1 when absent
  std::optional<v1::ProcessSample> last_known_;  // copy kept for when it leaves
  std::int64_t last_known_at_us_ = 0;            // its keyframe's sampled_at_us
};

}  // namespace beamscope::gui
