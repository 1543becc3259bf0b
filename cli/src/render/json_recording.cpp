// `recording info`: JSON and text (fields: cli/README-json.md).
#include <ostream>

#include "beamscope/recording/time_arg.hpp"
#include "render/render.hpp"

namespace beamscope::cli {

nlohmann::json recording_info_json(const std::string& file, const recording::RecordingInfo& info) {
  const auto& t = info.totals;
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& [name, n] : info.nodes)
    nodes.push_back({{"node", name},
                     {"frames", n.frames},
                     {"keyframes", n.keyframes},
                     {"deltas", n.deltas},
                     {"gone", n.gone},
                     {"first_us", n.first_us},
                     {"last_us", n.last_us}});
  nlohmann::json damage = nullptr;
  if (t.damage) damage = {{"offset", t.damage->offset}, {"message", t.damage->describe()}};
  return {{"file", file},
          {"format_version", info.format_version},
          {"created_at_us", info.created_at_us},
          {"first_us", info.first_us},
          {"last_us", info.last_us},
          {"first", t.chunks ? recording::format_time(info.first_us) : ""},
          {"last", t.chunks ? recording::format_time(info.last_us) : ""},
          {"duration_s", static_cast<double>(info.last_us - info.first_us) / 1e6},
          {"frames", t.frames},
          {"checkpoints", t.checkpoints},
          {"chunks", t.chunks},
          {"segments", t.segments},
          {"file_bytes", info.file_bytes},
          {"intact_bytes", t.intact_end},
          {"stream_bytes", t.frame_bytes},
          {"checkpoint_bytes", t.checkpoint_bytes},
          {"compression_ratio",
           t.intact_end ? static_cast<double>(t.frame_bytes + t.checkpoint_bytes) / static_cast<double>(t.intact_end)
                        : 0.0},
          {"clock_backsteps", t.clock_backsteps},
          {"nodes", nodes},
          {"damage", damage}};
}

void print_recording_info_text(std::ostream& out, const std::string& file, const recording::RecordingInfo& info) {
  const auto& t = info.totals;
  out << file << ": recording format " << info.format_version << "\n";
  if (t.chunks)
    out << "  " << recording::format_time(info.first_us) << " .. " << recording::format_time(info.last_us) << " ("
        << static_cast<double>(info.last_us - info.first_us) / 1e6 << " s)\n";
  out << "  " << t.frames << " frames (" << t.frame_bytes << " stream bytes) in " << info.file_bytes
      << " bytes; " << t.segments << " segments, " << t.chunks << " chunks\n";
  if (t.clock_backsteps) out << "  the wall clock went back " << t.clock_backsteps << " times while recording\n";
  for (const auto& [name, n] : info.nodes)
    out << "  " << name << ": " << n.frames << " frames (" << n.keyframes << " keyframes, " << n.deltas
        << " deltas)" << (n.gone ? ", left" : "") << "\n";
  if (t.damage) out << "  " << t.damage->describe() << "\n";
}

}  // namespace beamscope::cli
