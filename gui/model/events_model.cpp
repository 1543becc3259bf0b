// Events list, kind names and times; see events_model.hpp.
#include "events_model.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace beamscope::gui {
namespace {

bool contains_lower(const std::string& haystack, const std::string& needle_lower) {
  auto it = std::search(haystack.begin(), haystack.end(), needle_lower.begin(), needle_lower.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != haystack.end();
}

}  // namespace

std::string event_kind_name(v1::Event::Kind kind) {
  // The generated enum names are the protocol's; lower-casing them keeps the
  // GUI, the CLI and the schema in one vocabulary. Unknown values (a newer
  // agent) stay readable.
  std::string s = v1::Event::Kind_Name(kind);
  if (s.empty()) return "kind_" + std::to_string(static_cast<int>(kind));
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

EventSeverity event_severity(v1::Event::Kind kind) {
  switch (kind) {
    case v1::Event::REACHED_MAX_RESTART_INTENSITY:
    case v1::Event::START_ERROR:
    case v1::Event::CRASH_REPORT: return EventSeverity::kBad;
    case v1::Event::CHILD_TERMINATED:
    case v1::Event::LONG_GC:
    case v1::Event::LARGE_HEAP:
    case v1::Event::LONG_SCHEDULE:
    case v1::Event::LONG_MESSAGE_QUEUE:
    case v1::Event::BUSY_PORT:
    case v1::Event::BUSY_DIST_PORT: return EventSeverity::kWarn;
    default: return EventSeverity::kInfo;
  }
}

bool is_supervision_event(v1::Event::Kind kind) {
  return kind == v1::Event::CHILD_TERMINATED || kind == v1::Event::START_ERROR || kind == v1::Event::SHUTDOWN ||
         kind == v1::Event::REACHED_MAX_RESTART_INTENSITY || kind == v1::Event::CRASH_REPORT;
}

std::string tree_id_leaf(const std::string& id) {
  const auto slash = id.find_last_of('/');
  return slash == std::string::npos ? id : id.substr(slash + 1);
}

std::string event_clock(std::int64_t time_us, bool utc) {
  const std::time_t secs = static_cast<std::time_t>(time_us / 1000000);
  const int ms = static_cast<int>((time_us % 1000000 + 1000000) % 1000000 / 1000);
  std::tm tm{};
  if (!(utc ? gmtime_r(&secs, &tm) : localtime_r(&secs, &tm))) return "?";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

void EventsModel::set_data(std::shared_ptr<const v1::Keyframe> kf) {
  if (kf == data_) return;
  data_ = std::move(kf);
  dirty_ = true;
}

void EventsModel::set_filter(const std::string& text) {
  std::string f = text;
  for (auto& c : f) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (f == filter_) return;
  filter_ = std::move(f);
  dirty_ = true;
}

void EventsModel::set_supervision_only(bool on) {
  if (on == supervision_only_) return;
  supervision_only_ = on;
  dirty_ = true;
}

const std::vector<int>& EventsModel::visible() {
  if (!dirty_) return visible_;
  dirty_ = false;
  visible_.clear();
  if (!data_) return visible_;
  // The keyframe holds them oldest first; people read the newest first.
  for (int i = data_->events_size() - 1; i >= 0; --i) {
    const auto& e = data_->events(i);
    if (supervision_only_ && !is_supervision_event(e.kind())) continue;
    if (!filter_.empty() && !contains_lower(event_kind_name(e.kind()), filter_) &&
        !contains_lower(e.supervisor(), filter_) && !contains_lower(e.child(), filter_) &&
        !contains_lower(e.pid(), filter_) && !contains_lower(e.reason(), filter_) &&
        !contains_lower(e.detail(), filter_))
      continue;
    visible_.push_back(i);
  }
  return visible_;
}

int EventsModel::selected_row() {
  if (!has_selection_) return -1;
  const auto& v = visible();
  for (std::size_t k = 0; k < v.size(); ++k)
    if (row(v[k]).id() == selected_) return static_cast<int>(k);
  return -1;
}

const v1::Event* EventsModel::event_at_offset(int delta) {
  const auto& v = visible();
  if (v.empty()) return nullptr;
  const int n = static_cast<int>(v.size()), k = selected_row();
  const int to = k < 0 ? (delta >= 0 ? 0 : n - 1) : std::clamp(k + delta, 0, n - 1);
  return &row(v[static_cast<std::size_t>(to)]);
}

}  // namespace beamscope::gui
