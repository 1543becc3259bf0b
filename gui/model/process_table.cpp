// Filtering, sorting and selection of hot-set rows; see process_table.hpp.
#include "process_table.hpp"

#include "mailbox_reading.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

namespace beamscope::gui {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool contains_lower(const std::string& haystack, const std::string& needle_lower) {
  if (needle_lower.empty()) return true;
  auto it = std::search(haystack.begin(), haystack.end(), needle_lower.begin(), needle_lower.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != haystack.end();
}

// Pids are "<A.B.C>"; anything else sorts by plain text after all pids.
bool parse_pid(const std::string& s, std::array<unsigned long long, 3>& out) {
  if (s.size() < 7 || s.front() != '<' || s.back() != '>') return false;
  const char* p = s.c_str() + 1;
  for (int i = 0; i < 3; ++i) {
    char* end = nullptr;
    out[i] = std::strtoull(p, &end, 10);
    if (end == p) return false;
    if (i < 2 && *end != '.') return false;
    p = end + 1;
  }
  return true;
}

int compare_u64(std::uint64_t a, std::uint64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }
int compare_double(double a, double b) { return a < b ? -1 : (a > b ? 1 : 0); }

double to_alarm(const v1::ProcessSample& p) { return to_alarm_key(p.mailbox_growth_per_s(), p.seconds_to_threshold()); }

int compare_column(const v1::ProcessSample& a, const v1::ProcessSample& b, ProcessColumn c) {
  switch (c) {
    case ProcessColumn::kPid: return compare_pids(a.pid(), b.pid());
    case ProcessColumn::kName: return display_name(a).compare(display_name(b));
    case ProcessColumn::kMailbox: return compare_u64(a.message_queue_len(), b.message_queue_len());
    case ProcessColumn::kMemory: return compare_u64(a.memory_bytes(), b.memory_bytes());
    case ProcessColumn::kReductionsPerS: return compare_u64(a.reductions_per_s(), b.reductions_per_s());
    case ProcessColumn::kHeap: return compare_u64(a.total_heap_size_words(), b.total_heap_size_words());
    case ProcessColumn::kMinorGcs: return compare_u64(a.minor_gcs(), b.minor_gcs());
    case ProcessColumn::kCurrentFunction: return a.current_function().compare(b.current_function());
    case ProcessColumn::kStatus: return a.status().compare(b.status());
    case ProcessColumn::kGrowth: return compare_double(a.mailbox_growth_per_s(), b.mailbox_growth_per_s());
    case ProcessColumn::kToAlarm: return compare_double(to_alarm(a), to_alarm(b));
    case ProcessColumn::kCount: break;
  }
  return 0;
}

}  // namespace

const char* column_title(ProcessColumn c) {
  switch (c) {
    case ProcessColumn::kPid: return "Pid";
    case ProcessColumn::kName: return "Name";
    case ProcessColumn::kMailbox: return "Mailbox";
    case ProcessColumn::kMemory: return "Memory";
    case ProcessColumn::kReductionsPerS: return "Reds/s";
    case ProcessColumn::kHeap: return "Heap";
    case ProcessColumn::kMinorGcs: return "Minor GCs";
    case ProcessColumn::kCurrentFunction: return "Current function";
    case ProcessColumn::kStatus: return "Status";
    case ProcessColumn::kGrowth: return "\xCE\x94mailbox/s";  // Δmailbox/s
    case ProcessColumn::kToAlarm: return "To alarm";
    case ProcessColumn::kCount: break;
  }
  return "?";
}

const std::vector<ColumnSpec>& process_columns() {
  using C = ProcessColumn;
  // Widths: a pid, a registered name or initial call of ~20 characters
  // ("beamscope_demo_sink", "proc_lib:init_p/5"), a function like
  // "gen_server:loop/7"; the table scrolls sideways past the panel.
  static const std::vector<ColumnSpec> kColumns = {
      {C::kPid, 6.0f, false, true, false},
      {C::kName, 13.0f, false, true, false},
      {C::kMailbox, 5.0f, true, false, false},
      {C::kGrowth, 6.0f, true, false, false},
      {C::kToAlarm, 5.0f, true, true, false},
      {C::kMemory, 5.0f, true, false, false},
      {C::kReductionsPerS, 4.5f, true, false, false},
      {C::kCurrentFunction, 13.0f, false, true, false},
      {C::kHeap, 5.0f, true, false, false},
      {C::kMinorGcs, 5.0f, true, false, false},
      {C::kStatus, 5.0f, false, true, false},
  };
  return kColumns;
}

std::string display_name(const v1::ProcessSample& p) {
  if (!p.registered_name().empty()) return p.registered_name();
  if (!p.initial_call().empty()) return p.initial_call();
  return p.pid();
}

int compare_pids(const std::string& a, const std::string& b) {
  std::array<unsigned long long, 3> pa{}, pb{};
  const bool oka = parse_pid(a, pa), okb = parse_pid(b, pb);
  if (oka && okb) {
    for (int i = 0; i < 3; ++i) {
      if (pa[i] != pb[i]) return pa[i] < pb[i] ? -1 : 1;
    }
    return 0;
  }
  if (oka != okb) return oka ? -1 : 1;
  return a.compare(b);
}

void ProcessTable::set_data(std::shared_ptr<const v1::Keyframe> kf) {
  if (kf == data_) return;
  data_ = std::move(kf);
  dirty_ = true;
  by_pid_.clear();
  if (data_) {
    by_pid_.reserve(static_cast<std::size_t>(data_->processes_size()));
    for (int i = 0; i < data_->processes_size(); ++i) by_pid_.emplace(data_->processes(i).pid(), i);
  }
  // Re-find the selection in the new rows; keep a copy in case it left.
  selected_index_ = -1;
  if (!selected_pid_.empty() && data_) {
    for (int i = 0; i < data_->processes_size(); ++i) {
      if (data_->processes(i).pid() == selected_pid_) {
        selected_index_ = i;
        last_known_ = data_->processes(i);
        last_known_at_us_ = data_->sampled_at_us();
        break;
      }
    }
  }
}

void ProcessTable::set_filter(const std::string& text) {
  std::string f = lower(text);
  if (f == filter_) return;
  filter_ = std::move(f);
  dirty_ = true;
}

void ProcessTable::set_sort(std::vector<SortSpec> specs) {
  sort_ = std::move(specs);
  dirty_ = true;
}

std::uint64_t ProcessTable::word_size() const {
  if (data_ && data_->has_info() && data_->info().word_size() != 0) return data_->info().word_size();
  return 8;
}

bool ProcessTable::matches(const v1::ProcessSample& p) const {
  if (filter_.empty()) return true;
  return contains_lower(p.pid(), filter_) || contains_lower(p.registered_name(), filter_) ||
         contains_lower(p.initial_call(), filter_) || contains_lower(p.current_function(), filter_) ||
         contains_lower(p.application(), filter_) || contains_lower(p.status(), filter_);
}

void ProcessTable::rebuild() {
  visible_.clear();
  dirty_ = false;
  if (!data_) return;
  for (int i = 0; i < data_->processes_size(); ++i) {
    if (matches(data_->processes(i))) visible_.push_back(i);
  }
  if (sort_.empty()) return;
  ++sort_count_;
  std::stable_sort(visible_.begin(), visible_.end(), [this](int ia, int ib) {
    const auto& a = data_->processes(ia);
    const auto& b = data_->processes(ib);
    for (const SortSpec& s : sort_) {
      const int c = compare_column(a, b, s.column);
      if (c != 0) return s.descending ? c > 0 : c < 0;
    }
    // Ties by pid so rows do not jump between refreshes.
    return compare_pids(a.pid(), b.pid()) < 0;
  });
}

const std::vector<int>& ProcessTable::visible() {
  if (dirty_) rebuild();
  return visible_;
}

void ProcessTable::select(const std::string& pid) {
  if (pid == selected_pid_) return;
  selected_pid_ = pid;
  selected_index_ = -1;
  last_known_.reset();
  if (!data_) return;
  for (int i = 0; i < data_->processes_size(); ++i) {
    if (data_->processes(i).pid() == pid) {
      selected_index_ = i;
      last_known_ = data_->processes(i);
      last_known_at_us_ = data_->sampled_at_us();
      break;
    }
  }
}

const v1::ProcessSample* ProcessTable::find(const std::string& pid) const {
  auto it = by_pid_.find(pid);
  return it == by_pid_.end() ? nullptr : &data_->processes(it->second);
}

int ProcessTable::selected_row() {
  if (selected_index_ < 0) return -1;
  const auto& v = visible();
  const auto it = std::find(v.begin(), v.end(), selected_index_);
  return it == v.end() ? -1 : static_cast<int>(it - v.begin());
}

std::string ProcessTable::pid_at_offset(int delta) {
  const auto& v = visible();
  if (v.empty()) return {};
  const int n = static_cast<int>(v.size());
  const int k = selected_row();
  const int to = k < 0 ? (delta >= 0 ? 0 : n - 1) : std::clamp(k + delta, 0, n - 1);
  return row(v[static_cast<std::size_t>(to)]).pid();
}

void ProcessTable::clear_selection() {
  selected_pid_.clear();
  selected_index_ = -1;
  last_known_.reset();
}

ProcessTable::Selection ProcessTable::selection() const {
  if (selected_index_ >= 0 && data_) return {&data_->processes(selected_index_), true, data_->sampled_at_us()};
  if (last_known_) return {&*last_known_, false, last_known_at_us_};
  return {};
}

}  // namespace beamscope::gui
