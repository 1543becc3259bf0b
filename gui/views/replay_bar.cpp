// Replay bar; see replay_bar.hpp.
#include "replay_bar.hpp"

#include <imgui.h>

#include "beamscope/recording/time_arg.hpp"
#include "format.hpp"
#include "theme.hpp"

namespace beamscope::gui {
namespace {

constexpr std::int64_t kStepUs = 10'000'000;

}  // namespace

void replay_keys(ReplayControl& replay, const Keys& keys) {
  if (!replay.active) {
    // Live: J goes back in the collector's recording; L and K have nowhere to go.
    if (keys.replay_step < 0) replay.seek(replay.last_us + keys.replay_step * kStepUs);
    return;
  }
  if (keys.replay_toggle) replay.playing = !replay.playing;
  if (keys.replay_step != 0) replay.seek((replay.seek_us ? *replay.seek_us : replay.at_us) + keys.replay_step * kStepUs);
}

// Live, with the collector's recording to go back in.
void draw_live_offer(ReplayControl& replay) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(theme::colors().good), "live");
  ImGui::SameLine();
  if (ImGui::SmallButton("-10 s (J)")) replay.seek(replay.last_us - kStepUs);
  ImGui::SameLine();
  const double span_s = static_cast<double>(replay.last_us - replay.first_us) / 1e6;
  double at_s = span_s;
  const double zero = 0.0;
  const std::string label = "the collector recorded " + format_duration_ms(static_cast<std::uint64_t>(span_s * 1000));
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 24.0f);
  if (ImGui::SliderScalar("##past", ImGuiDataType_Double, &at_s, &zero, &span_s, label.c_str()) && at_s < span_s)
    replay.seek(replay.first_us + static_cast<std::int64_t>(at_s * 1e6));
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Drag back to see this node as it was (J: 10 s back)");
}

void draw_replay_bar(ReplayControl& replay) {
  if (!replay.active) return draw_live_offer(replay);
  ImGui::AlignTextToFramePadding();
  if (replay.from_collector) {
    if (ImGui::SmallButton("back to live")) replay.back_to_live = true;
  } else {
    ImGui::TextDisabled("recording");
  }
  ImGui::SameLine();
  if (ImGui::SmallButton(replay.playing ? "pause (K)" : "play (K)")) replay.playing = !replay.playing;
  ImGui::SameLine();
  if (ImGui::SmallButton("-10 s (J)")) replay.seek(replay.at_us - kStepUs);
  ImGui::SameLine();
  if (ImGui::SmallButton("+10 s (L)")) replay.seek(replay.at_us + kStepUs);
  ImGui::SameLine();
  // Seconds from the file's first record: a slider over int64 µs would
  // lose the person's drag to float precision.
  const double span_s = static_cast<double>(replay.last_us - replay.first_us) / 1e6;
  double at_s = static_cast<double>(replay.at_us - replay.first_us) / 1e6;
  const double zero = 0.0;
  const std::string label = format_duration_ms(static_cast<std::uint64_t>(at_s * 1000)) + " of " +
                            format_duration_ms(static_cast<std::uint64_t>(span_s * 1000));
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 24.0f);
  if (ImGui::SliderScalar("##at", ImGuiDataType_Double, &at_s, &zero, &span_s, label.c_str()))
    replay.seek(replay.first_us + static_cast<std::int64_t>(at_s * 1e6));
  ImGui::SameLine();
  ImGui::TextUnformatted(recording::format_time(replay.at_us).c_str());
  if (!replay.note.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(theme::colors().warn), "%s", replay.note.c_str());
  }
  if (!replay.damage.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(theme::colors().warn), "damaged: %s", replay.damage.c_str());
  }
}

}  // namespace beamscope::gui
