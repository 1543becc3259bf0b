#include "past_source.hpp"

#include <chrono>

#include "beamscope/protocol/version.hpp"
#include "beamscope/recording/time_arg.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "request_source.hpp"

namespace beamscope::cli {

namespace {

// One STATE question; the answer, or nullopt with the failure printed.
std::optional<v1::HistoryAnswer> ask_state(const GlobalOptions& opts, const std::string& node,
                                           const transport::ClientSecurity& security, std::int64_t at_us,
                                           bool span_only, int& exit_code, std::ostream& messages) {
  v1::HistoryRequest request;
  request.set_request_id(new_request_id());
  request.set_log(v1::HistoryRequest::STATE);
  request.set_to_us(at_us);
  request.set_span_only(span_only);
  std::string error;
  auto answer = transport::fetch_history(opts.endpoint, node, request, std::chrono::milliseconds(opts.timeout_ms),
                                         error, security);
  if (!answer) {
    messages << "beamscope-ctl: " << error << "\n";
    exit_code = kExitFailure;
    return std::nullopt;
  }
  // A server before 1.6 reads the request as an unnamed series.
  if (answer->log() != v1::HistoryRequest::STATE && !answer->error().empty())
    answer->set_error("this server keeps no past states (protocol before 1.6)");
  if (!answer->error().empty()) {
    messages << "beamscope-ctl: " << opts.endpoint << ": " << answer->error() << "\n";
    exit_code = kExitFailure;
    return std::nullopt;
  }
  return answer;
}

}  // namespace

std::optional<protocol::FleetModel> past_fleet(const GlobalOptions& opts, const std::string& node,
                                               const transport::ClientSecurity& security, std::string& label,
                                               int& exit_code, std::ostream& messages) {
  // The span first: --at may count from the recording's start or end.
  auto span = ask_state(opts, node, security, 0, /*span_only=*/true, exit_code, messages);
  if (!span) return std::nullopt;
  std::string error;
  auto at = recording::parse_time_arg(opts.at, span->oldest_us(), span->newest_us(), error);
  if (!at) {
    messages << "beamscope-ctl: --at: " << error << "\n";
    exit_code = kExitUsage;
    return std::nullopt;
  }
  auto past = ask_state(opts, node, security, *at, /*span_only=*/false, exit_code, messages);
  if (!past) return std::nullopt;
  label = opts.endpoint + " at " + recording::format_time(*at);
  protocol::Envelope kf;
  kf.set_version_major(protocol::kVersionMajor);
  kf.set_version_minor(protocol::kVersionMinor);
  kf.set_node(node);
  kf.set_timestamp_us(past->state_us());
  *kf.mutable_keyframe() = std::move(*past->mutable_state());
  protocol::FleetModel fleet;
  fleet.apply(kf);
  return fleet;
}

}  // namespace beamscope::cli
