// `top` for people: one aligned row per process, long names cut.
#include <fmt/format.h>

#include "render.hpp"

namespace beamscope::cli {
namespace {

std::string cut(const std::string& s, std::size_t width) {
  return s.size() <= width ? s : s.substr(0, width - 1) + "~";
}

}  // namespace

void print_top_text(std::ostream& out, const std::string& node, protocol::SortKey by,
                    const std::vector<protocol::ProcessSample>& processes) {
  out << fmt::format("{}: top {} by {}\n", node, processes.size(), sort_key_name(by));
  out << fmt::format("{:<16} {:<32} {:>10} {:>9} {:>9} {:>12} {:>12} {:>8} {:<28}\n", "PID", "NAME", "MAILBOX",
                     "GROWTH/S", "TO ALARM", "MEMORY", "REDS/S", "GCS", "CURRENT FUNCTION");
  for (const auto& p : processes) {
    const std::string& name = p.registered_name().empty() ? p.initial_call() : p.registered_name();
    const std::string memory = p.memory_guarded() ? "guarded" : std::to_string(p.memory_bytes());
    // The agent's figures: growth across its last two samples, and the
    // time until mailbox_alarm at that growth ("-" when not growing).
    const std::string to_alarm = p.seconds_to_threshold() > 0 ? fmt::format("{:.0f}s", p.seconds_to_threshold()) : "-";
    out << fmt::format("{:<16} {:<32} {:>10} {:>+9.0f} {:>9} {:>12} {:>12} {:>8} {:<28}\n", cut(p.pid(), 16),
                       cut(name, 32), p.message_queue_len(), p.mailbox_growth_per_s(), to_alarm, memory,
                       p.reductions_per_s(), p.minor_gcs(), cut(p.current_function(), 28));
  }
}

}  // namespace beamscope::cli
