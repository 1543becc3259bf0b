// The alert rules (see alerts.hpp for what each kind means). Figures the
// agent already computed are read, never recomputed: a mailbox's growth and
// time to the alarm come from ProcessSample, restarts in the period from
// TreeNode, event counts from the event ring.
#include "beamscope/protocol/alerts.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <tuple>

#include "beamscope/protocol/limits.hpp"

namespace beamscope::protocol {

namespace {

std::string printf_string(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string printf_string(const char* fmt, ...) {
  char buf[limits::kMaxString];
  va_list args;
  va_start(args, fmt);
  const int n = std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return n < 0 ? std::string() : std::string(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
}

// Strings off the wire go back on the wire: keep them within the bound.
std::string bounded(const std::string& s) {
  return s.size() <= limits::kMaxString ? s : s.substr(0, limits::kMaxString);
}

const std::string& process_name(const v1::ProcessSample& p) {
  return p.registered_name().empty() ? p.initial_call() : p.registered_name();
}

// "name (<0.1.0>)" or just the pid.
std::string who(const std::string& pid, const std::string& name) {
  return name.empty() ? pid : name + " (" + pid + ")";
}

Alert make(Alert::Kind kind, Alert::Severity severity, const std::string& subject) {
  Alert a;
  a.set_kind(kind);
  a.set_severity(severity);
  a.set_subject(subject);
  return a;
}

double seconds(std::int64_t us) { return static_cast<double>(us) / 1e6; }

}  // namespace

void AlertRules::mailbox_rules(const v1::Keyframe& kf, std::vector<Alert>& out) {
  for (const auto& p : kf.processes()) {
    Streak& st = streaks_[p.pid()];
    if (st.epoch + 1 != epoch_) st = Streak{};  // new, or back after leaving the hot set
    st.epoch = epoch_;
    // Each published state carries one fresh hot sample of the process; its
    // growth is the agent's, against that process's previous sample.
    if (p.mailbox_growth_per_s() > 0) {
      ++st.grew;
      st.calm = 0;
    } else {
      ++st.calm;
      st.grew = 0;
    }
    if (!st.active && st.grew >= s_.growing_samples && p.message_queue_len() >= s_.growing_min_messages)
      st.active = true;
    else if (st.active && st.calm >= s_.calm_samples)
      st.active = false;

    const std::string name = bounded(process_name(p));
    if (st.active) {
      const double to_alarm = p.seconds_to_threshold();
      const bool soon = (to_alarm > 0 && to_alarm < s_.critical_seconds) || p.message_queue_len() >= s_.mailbox_alarm;
      Alert a = make(Alert::MAILBOX_GROWING, soon ? Alert::CRITICAL : Alert::WARNING, p.pid());
      a.set_pid(p.pid());
      a.set_name(name);
      a.set_value(static_cast<double>(p.message_queue_len()));
      a.set_limit(static_cast<double>(s_.mailbox_alarm));
      a.set_rate_per_s(p.mailbox_growth_per_s());
      a.set_seconds_to_limit(to_alarm);
      a.set_summary(to_alarm > 0
                        ? printf_string("mailbox of %s growing: %llu messages, %+.0f/s, %.0f s to %llu",
                                        who(p.pid(), name).c_str(),
                                        static_cast<unsigned long long>(p.message_queue_len()),
                                        p.mailbox_growth_per_s(), to_alarm,
                                        static_cast<unsigned long long>(s_.mailbox_alarm))
                        : printf_string("mailbox of %s growing: %llu messages, %+.0f/s",
                                        who(p.pid(), name).c_str(),
                                        static_cast<unsigned long long>(p.message_queue_len()),
                                        p.mailbox_growth_per_s()));
      out.push_back(std::move(a));
    }
    if (s_.mailbox_alarm > 0 && p.message_queue_len() >= s_.mailbox_alarm) {
      Alert a = make(Alert::MAILBOX_LONG, Alert::CRITICAL, p.pid());
      a.set_pid(p.pid());
      a.set_name(name);
      a.set_value(static_cast<double>(p.message_queue_len()));
      a.set_limit(static_cast<double>(s_.mailbox_alarm));
      a.set_rate_per_s(p.mailbox_growth_per_s());
      a.set_summary(printf_string("mailbox of %s at %llu messages (alarm %llu)", who(p.pid(), name).c_str(),
                                  static_cast<unsigned long long>(p.message_queue_len()),
                                  static_cast<unsigned long long>(s_.mailbox_alarm)));
      out.push_back(std::move(a));
    }
  }
  // Processes that left the hot set start over when they come back.
  std::erase_if(streaks_, [this](const auto& e) { return e.second.epoch != epoch_; });
}

void AlertRules::restart_rules(const v1::Keyframe& kf, std::int64_t now, std::vector<Alert>& out) {
  for (const auto& n : kf.tree()) {
    if (n.kind() != v1::TreeNode::SUPERVISOR) continue;

    // Storm: a supervisor's restarts_total sums its direct children's, so
    // only the supervisor whose children restart is named, not its parents.
    // Supervisors that never saw a restart are not remembered.
    std::uint64_t in_window = 0;
    if (n.restarts_total() > 0 || restarts_.count(n.id())) {
      RestartWindow& w = restarts_[n.id()];
      w.epoch = epoch_;
      History& h = w.history;
      if (!h.empty() && n.restarts_total() < h.back().second) h.clear();  // counts reset (the agent restarted)
      if (h.empty() || h.back().second != n.restarts_total()) h.emplace_back(now, n.restarts_total());
      // Keep one entry at or before the window's start: the baseline.
      while (h.size() > 1 && h[1].first <= now - s_.storm_window_us) h.pop_front();
      in_window = n.restarts_total() - h.front().second;
    }
    const IntensityUse use = intensity_use(n, s_.intensity_near);
    if (in_window < s_.storm_restarts && use == IntensityUse::kNone) continue;
    const std::string name = bounded(n.name().empty() ? n.id() : n.name());
    if (in_window >= s_.storm_restarts) {
      Alert a = make(Alert::RESTART_STORM, Alert::CRITICAL, n.id());
      a.set_pid(n.pid());
      a.set_name(name);
      a.set_value(static_cast<double>(in_window));
      a.set_limit(static_cast<double>(s_.storm_restarts));
      a.set_rate_per_s(static_cast<double>(in_window) / seconds(s_.storm_window_us));
      a.set_summary(printf_string("restart storm under supervisor %s: %llu restarts in the last %.0f s",
                                  name.c_str(), static_cast<unsigned long long>(in_window),
                                  seconds(s_.storm_window_us)));
      out.push_back(std::move(a));
    }
    if (use != IntensityUse::kNone) {
      Alert a = make(Alert::SUPERVISOR_INTENSITY, use == IntensityUse::kAt ? Alert::CRITICAL : Alert::WARNING, n.id());
      a.set_pid(n.pid());
      a.set_name(name);
      a.set_value(n.restarts_in_period());
      a.set_limit(n.intensity());
      a.set_summary(printf_string(
          "supervisor %s used %u of %u restarts in its %u s period%s", name.c_str(), n.restarts_in_period(),
          n.intensity(), n.period_s(),
          use == IntensityUse::kAt ? ": one more and it stops" : ""));
      out.push_back(std::move(a));
    }
  }
  std::erase_if(restarts_, [this](const auto& e) { return e.second.epoch != epoch_; });
}

void AlertRules::monitor_rules(const v1::Keyframe& kf, std::int64_t now, std::vector<Alert>& out) {
  struct Seen {
    std::uint64_t count = 0;
    const v1::Event* latest = nullptr;
  };
  // (kind, subject) -> events of the window; events are oldest first.
  std::map<std::pair<Alert::Kind, std::string>, Seen> seen;
  for (const auto& e : kf.events()) {
    if (e.time_us() < now - s_.monitor_window_us) continue;
    Alert::Kind kind;
    std::string subject = e.pid();
    switch (e.kind()) {
      case v1::Event::LONG_GC: kind = Alert::LONG_GC; break;
      case v1::Event::LARGE_HEAP: kind = Alert::LARGE_HEAP; break;
      case v1::Event::BUSY_PORT:
      case v1::Event::BUSY_DIST_PORT:
        kind = Alert::BUSY_PORT;
        // The agent's detail is "port #Port<0.7>"; the event's pid is the
        // process the port suspended.
        if (e.detail().rfind("port ", 0) == 0) subject = e.detail().substr(5);
        break;
      default: continue;
    }
    Seen& s = seen[{kind, bounded(subject)}];
    ++s.count;
    s.latest = &e;
  }
  std::unordered_map<std::string_view, const v1::ProcessSample*> hot;
  if (!seen.empty())
    for (const auto& p : kf.processes()) hot.emplace(p.pid(), &p);
  for (const auto& [key, s] : seen) {
    const auto& [kind, subject] = key;
    Alert a = make(kind, Alert::WARNING, subject);
    a.set_pid(bounded(s.latest->pid()));
    if (auto it = hot.find(s.latest->pid()); it != hot.end()) a.set_name(bounded(process_name(*it->second)));
    a.set_value(static_cast<double>(s.count));
    a.set_limit(1);
    a.set_summary(printf_string("%s: %llu event%s of %s in the last %.0f s (latest: %s)",
                                std::string(alert_kind_name(kind)).c_str(), static_cast<unsigned long long>(s.count),
                                s.count == 1 ? "" : "s", who(subject, a.name()).c_str(),
                                seconds(s_.monitor_window_us), s.latest->detail().substr(0, 128).c_str()));
    out.push_back(std::move(a));
  }
}

void AlertRules::limit_rules(const v1::Keyframe& kf, std::vector<Alert>& out) {
  if (!kf.has_gauges()) return;
  const auto& g = kf.gauges();
  const struct {
    Alert::Kind kind;
    const char* what;
    std::uint64_t count, limit;
  } limits[] = {
      {Alert::PROCESS_LIMIT, "processes", g.process_count(), g.process_limit()},
      {Alert::PORT_LIMIT, "ports", g.port_count(), g.port_limit()},
      {Alert::ATOM_LIMIT, "atoms", g.atom_count(), g.atom_limit()},
      {Alert::ETS_LIMIT, "ETS tables", g.ets_count(), g.ets_limit()},
  };
  for (std::size_t i = 0; i < std::size(limits); ++i) {
    const auto& l = limits[i];
    if (l.limit == 0) {
      limit_raised_[i] = false;
      continue;
    }
    const double used = static_cast<double>(l.count) / static_cast<double>(l.limit);
    // Raised at limit_warning, cleared under limit_clear: a count that
    // hovers at the threshold does not flap.
    limit_raised_[i] = used >= s_.limit_warning || (limit_raised_[i] && used >= s_.limit_clear);
    if (!limit_raised_[i]) continue;
    Alert a = make(l.kind, used >= s_.limit_critical ? Alert::CRITICAL : Alert::WARNING, "");
    a.set_value(static_cast<double>(l.count));
    a.set_limit(static_cast<double>(l.limit));
    a.set_summary(printf_string("%s: %llu of %llu (%.0f%% of the limit)", l.what,
                                static_cast<unsigned long long>(l.count), static_cast<unsigned long long>(l.limit),
                                100.0 * used));
    out.push_back(std::move(a));
  }
}

void AlertRules::memory_rule(const v1::Keyframe& kf, std::int64_t now, std::vector<Alert>& out) {
  const std::uint64_t total = kf.gauges().memory().total();
  if (total == 0) return;
  if (memory_.empty() || now - memory_.back().first >= s_.memory_sample_us) memory_.emplace_back(now, total);
  while (!memory_.empty() && memory_.front().first < now - s_.memory_window_us) memory_.pop_front();
  if (memory_.empty()) return;
  const auto [t0, m0] = memory_.front();
  if (now - t0 < s_.memory_min_span_us || total <= m0) return;
  const std::uint64_t grown = total - m0;
  if (grown < s_.memory_growth_min_bytes ||
      static_cast<double>(grown) < s_.memory_growth_ratio * static_cast<double>(m0))
    return;
  Alert a = make(Alert::MEMORY_GROWTH, Alert::WARNING, "");
  a.set_value(static_cast<double>(total));
  a.set_limit(static_cast<double>(m0));
  a.set_rate_per_s(static_cast<double>(grown) / seconds(now - t0));
  a.set_summary(printf_string("memory grew %.0f%% in %.0f s (%+.1f MiB/s), now %.1f MiB",
                              100.0 * static_cast<double>(grown) / static_cast<double>(m0), seconds(now - t0),
                              a.rate_per_s() / 1048576.0, static_cast<double>(total) / 1048576.0));
  out.push_back(std::move(a));
}

std::size_t AlertRules::memory_bytes() const {
  constexpr std::size_t kNode = 64;  // a hash or tree node and its bookkeeping
  std::size_t bytes = sizeof(*this) + memory_.size() * sizeof(History::value_type);
  for (const auto& [pid, st] : streaks_) bytes += kNode + pid.capacity() + sizeof(st);
  for (const auto& [id, w] : restarts_)
    bytes += kNode + id.capacity() + sizeof(w) + w.history.size() * sizeof(History::value_type);
  for (const auto& [key, t] : since_) bytes += kNode + key.second.capacity() + sizeof(t);
  return bytes;
}

Alerts AlertRules::evaluate(const v1::Keyframe& kf) {
  const std::int64_t now = kf.sampled_at_us();
  std::vector<Alert> all;
  ++epoch_;
  mailbox_rules(kf, all);
  restart_rules(kf, now, all);
  monitor_rules(kf, now, all);
  limit_rules(kf, all);
  memory_rule(kf, now, all);

  // Most severe first; within a kind, the biggest figure first, so the cut
  // below keeps the most pressing subjects.
  std::sort(all.begin(), all.end(), [](const Alert& a, const Alert& b) {
    return std::make_tuple(-static_cast<int>(a.severity()), static_cast<int>(a.kind()), -a.value(),
                           std::string_view(a.subject())) <
           std::make_tuple(-static_cast<int>(b.severity()), static_cast<int>(b.kind()), -b.value(),
                           std::string_view(b.subject()));
  });

  Alerts result;
  std::map<std::pair<int, std::string>, std::int64_t> since;
  std::map<int, std::size_t> per_kind;
  std::uint32_t omitted = 0;
  for (auto& a : all) {
    std::pair<int, std::string> key{static_cast<int>(a.kind()), a.subject()};
    // An alert keeps its first time while it stays raised (whatever its
    // severity), also when it is over the bound this time.
    auto it = since_.find(key);
    const std::int64_t first = it != since_.end() ? it->second : now;
    since.emplace(key, first);
    if (per_kind[key.first]++ >= s_.max_per_kind ||
        static_cast<std::size_t>(result.active_size()) >= limits::kMaxAlerts) {
      ++omitted;
      continue;
    }
    a.set_since_us(first);
    *result.add_active() = std::move(a);
  }
  result.set_omitted(omitted);
  since_ = std::move(since);
  return result;
}

}  // namespace beamscope::protocol
