// Node bar; see node_bar.hpp.
#include "node_bar.hpp"

#include <imgui.h>

#include "beamscope/protocol/framing.hpp"
#include "format.hpp"
#include "theme.hpp"

namespace beamscope::gui {
namespace {

ImU32 link_colour(LinkState s) {
  switch (s) {
    case LinkState::kConnected: return theme::colors().good;
    case LinkState::kStale: return theme::colors().bad;
    case LinkState::kRefused: return theme::colors().bad;
    case LinkState::kDropping: return theme::colors().bad;
    case LinkState::kGone: return theme::colors().bad;
    case LinkState::kConnecting: return theme::colors().warn;
  }
  return theme::colors().muted;
}

// A filled dot drawn inline, followed by the state's text (colour is not the only cue).
void status_dot(const LinkStatus& link) {
  const float r = ImGui::GetTextLineHeight() * 0.3f;
  const ImVec2 p = ImGui::GetCursorScreenPos();
  // Text in a menu bar sits FramePadding.y below the cursor; centre the dot on it.
  const float cy = p.y + ImGui::GetStyle().FramePadding.y + ImGui::GetTextLineHeight() * 0.5f;
  ImGui::GetWindowDrawList()->AddCircleFilled(ImVec2(p.x + r, cy), r, link_colour(link.state));
  ImGui::Dummy(ImVec2(r * 2.0f, ImGui::GetTextLineHeight()));
  ImGui::SameLine();
  ImGui::TextUnformatted(link.text.c_str());
}

void separator_dot() {
  ImGui::SameLine();
  ImGui::TextDisabled("\xC2\xB7");
  ImGui::SameLine();
}

void node_selector(InspectorModel& model) {
  if (model.nodes().size() <= 1) {
    ImGui::TextUnformatted(model.selected_name().c_str());
    return;
  }
  ImGui::SetNextItemWidth(ImGui::CalcTextSize(model.selected_name().c_str()).x + ImGui::GetFrameHeight() * 2.0f);
  if (ImGui::BeginCombo("##node", model.selected_name().c_str())) {
    for (const auto& [name, view] : model.nodes()) {
      // A node that left stays listed with its last state, marked.
      const std::string label = view.gone_at_us ? name + "  (gone)" : name;
      if (ImGui::Selectable(label.c_str(), name == model.selected_name())) model.select_node(name);
    }
    ImGui::EndCombo();
  }
}

}  // namespace

void draw_node_bar(InspectorModel& model, const std::vector<LinkStatus>& links) {
  const NodeView* node = model.selected();
  if (!node) {
    // No node yet: the connection state of every endpoint is all there is.
    for (std::size_t i = 0; i < links.size() && i < model.endpoints().size(); ++i) {
      if (i != 0) separator_dot();
      ImGui::TextUnformatted(model.endpoints()[i].c_str());
      ImGui::SameLine();
      status_dot(links[i]);
    }
    return;
  }
  const v1::Keyframe& kf = *node->latest;
  node_selector(model);
  separator_dot();
  ImGui::Text("OTP %s", kf.info().otp_release().empty() ? "?" : kf.info().otp_release().c_str());
  separator_dot();
  ImGui::Text("up %s", format_duration_ms(kf.gauges().uptime_ms()).c_str());
  separator_dot();
  // A recording, or a collector's past, has no link to show.
  if (node->source < links.size()) {
    status_dot(describe_node(links[node->source], node->gone_at_us, node->gone_reason, protocol::now_us()));
    separator_dot();
  }
  ImGui::Text("sweep %s", kf.sweep().period_ms() ? format_duration_ms(kf.sweep().period_ms()).c_str() : "-");
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("Full mailbox sweep period: %s processes in %s", format_count(kf.sweep().processes_swept()).c_str(),
                      format_duration_us(kf.sweep().duration_us()).c_str());
  }
  separator_dot();
  ImGui::Text("agent %s/tick, %s", format_duration_us(kf.sweep().tick_cost_us()).c_str(),
              format_bytes(kf.agent().memory_bytes()).c_str());
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("Sampler time per tick and the agent's own memory.\nFrames sent %s, dropped %s, viewers %u",
                      format_count(kf.agent().frames_sent_total()).c_str(),
                      format_count(kf.agent().frames_dropped_total()).c_str(), kf.agent().viewers());
  }
}

}  // namespace beamscope::gui
