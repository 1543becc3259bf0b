// Alerts strip data; see alerts_model.hpp.
#include "alerts_model.hpp"

#include <algorithm>

#include "beamscope/protocol/alerts.hpp"

namespace beamscope::gui {

AlertTarget alert_target(const v1::Alert& a) {
  switch (protocol::alert_subject(a.kind())) {
    case protocol::AlertSubject::kTreeEntry:
      if (!a.subject().empty()) return {AlertTarget::Kind::kTreeEntry, a.subject()};
      break;
    case protocol::AlertSubject::kProcess:
    case protocol::AlertSubject::kPort:  // a port's owning process, when the agent knows it
    case protocol::AlertSubject::kNode: break;
  }
  if (!a.pid().empty()) return {AlertTarget::Kind::kProcess, a.pid()};
  return {};
}

std::string alert_chip_text(const v1::Alert& a) {
  std::string s(protocol::alert_severity_name(a.severity()));
  s += " \xC2\xB7 ";
  s += protocol::alert_kind_name(a.kind());
  const std::string& who = a.name().empty() ? a.subject() : a.name();
  if (!who.empty()) s += " \xC2\xB7 " + who;
  return s;
}

void AlertsModel::set_data(std::shared_ptr<const v1::Keyframe> kf) {
  if (kf != data_) data_ = std::move(kf);
}

void AlertsModel::set_cursor(const v1::Alert& a) {
  has_cursor_ = true;
  kind_ = a.kind();
  subject_ = a.subject();
}

int AlertsModel::cursor_index() const {
  if (!has_cursor_) return -1;
  for (std::size_t i = 0; i < size(); ++i)
    if (is_cursor(at(i))) return static_cast<int>(i);
  return -1;
}

const v1::Alert* AlertsModel::step(int delta) {
  const int n = static_cast<int>(size());
  if (n == 0) return nullptr;
  const int k = cursor_index();
  const int to = k < 0 ? (delta >= 0 ? 0 : n - 1) : std::clamp(k + delta, 0, n - 1);
  const v1::Alert& a = at(static_cast<std::size_t>(to));
  set_cursor(a);
  return &a;
}

}  // namespace beamscope::gui
