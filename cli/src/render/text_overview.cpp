// `overview` for people: a few aligned sections, sizes in KiB/MiB.
#include <fmt/format.h>

#include "render.hpp"

namespace beamscope::cli {
namespace {

std::string human_bytes(std::uint64_t b) {
  if (b >= (1ull << 30)) return fmt::format("{:.1f} GiB", static_cast<double>(b) / (1ull << 30));
  if (b >= (1ull << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(b) / (1ull << 20));
  if (b >= (1ull << 10)) return fmt::format("{:.1f} KiB", static_cast<double>(b) / (1ull << 10));
  return fmt::format("{} B", b);
}

void row(std::ostream& out, const char* label, const std::string& value) {
  out << fmt::format("  {:<22} {}\n", label, value);
}

}  // namespace

void print_overview_text(std::ostream& out, const protocol::Keyframe& kf, std::int64_t timestamp_us) {
  const auto& info = kf.info();
  const auto& g = kf.gauges();
  out << fmt::format("{}  (OTP {}, ERTS {}, agent {})\n", info.node(), info.otp_release(), info.erts_version(),
                     info.agent_version());
  out << fmt::format("  sampled at {} us, uptime {} s\n", timestamp_us, g.uptime_ms() / 1000);
  out << "processes\n";
  row(out, "count / limit", fmt::format("{} / {}", g.process_count(), g.process_limit()));
  row(out, "hot set", std::to_string(kf.processes_size()));
  row(out, "mailbox total", fmt::format("{} messages in {} processes", kf.mailbox_histogram().sum(),
                                         kf.mailbox_histogram().count()));
  out << "vm\n";
  row(out, "ports", fmt::format("{} / {}", g.port_count(), g.port_limit()));
  row(out, "atoms", fmt::format("{} / {}", g.atom_count(), g.atom_limit()));
  row(out, "ets tables", fmt::format("{} / {}", g.ets_count(), g.ets_limit()));
  row(out, "run queue", std::to_string(g.run_queue_total()));
  row(out, "reductions", std::to_string(g.reductions_total()));
  row(out, "gc", fmt::format("{} runs, {} words reclaimed", g.gc_count_total(), g.gc_words_reclaimed_total()));
  row(out, "io", fmt::format("{} in, {} out", human_bytes(g.io_input_bytes_total()),
                             human_bytes(g.io_output_bytes_total())));
  std::string util;
  for (const auto& s : g.scheduler_util()) {
    if (s.kind() != v1::SchedulerUtil::NORMAL) continue;
    util += fmt::format("{}{:.0f}%", util.empty() ? "" : " ", s.utilization() * 100);
  }
  row(out, "scheduler utilization", util.empty() ? "-" : util);
  out << "memory\n";
  const auto& m = g.memory();
  row(out, "total", human_bytes(m.total()));
  row(out, "processes", human_bytes(m.processes()));
  row(out, "binary", human_bytes(m.binary()));
  row(out, "ets", human_bytes(m.ets()));
  row(out, "code", human_bytes(m.code()));
  row(out, "atom", human_bytes(m.atom()));
  out << "sampler\n";
  row(out, "last sweep", fmt::format("{} processes in {} us", kf.sweep().processes_swept(), kf.sweep().duration_us()));
  row(out, "tick cost", fmt::format("{} us", kf.sweep().tick_cost_us()));
  out << "stream\n";
  row(out, "viewers", std::to_string(kf.agent().viewers()));
  std::string refused;
  for (const auto& r : kf.agent().stream_rejected())
    if (r.total() > 0) refused += fmt::format("{}{} {}", refused.empty() ? "" : ", ", r.reason(), r.total());
  row(out, "refused", refused.empty() ? "none" : refused);
}

}  // namespace beamscope::cli
