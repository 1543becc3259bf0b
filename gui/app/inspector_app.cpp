// Run loop; see inspector_app.hpp.
#include "inspector_app.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <vector>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/endpoint.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "config_dir.hpp"
#include "inspector_model.hpp"
#include "inspector_view.hpp"
#include "link_status.hpp"
#include "platform_window.hpp"
#include "screenshot.hpp"

namespace beamscope::gui {
namespace {

using Clock = std::chrono::steady_clock;

// Ctrl-C / SIGTERM end the loop normally, so ImGui saves the layout and the
// stream clients stop cleanly. The loop sees it within one idle wait.
std::atomic<bool> g_quit{false};
extern "C" void on_quit_signal(int) { g_quit.store(true); }

// Interactive: sleep up to 1 s (new frames wake us; the "stale Ns" text
// needs a redraw each second). Screenshot: a steady pace so data can arrive.
constexpr double kIdleWaitS = 1.0;
constexpr double kScreenshotPaceS = 0.05;
constexpr double kAnimationWaitS = 1.0 / 60;
// Frames drawn with data before the screenshot, so tables have sized their columns.
constexpr int kFramesWithData = 5;
constexpr auto kScreenshotDeadline = std::chrono::seconds(10);

// "top" means the hot process with the largest mailbox; "<...>" is a pid;
// anything else names a supervision tree entry (registered name, child id
// or tree id), which may only appear after the agent's first walk: false
// means "not there yet, try again next frame".
bool apply_selection(const std::string& wanted, InspectorModel& model) {
  NodeView& node = *model.selected();
  if (wanted == "top") {
    const v1::ProcessSample* best = nullptr;
    for (const auto& p : node.latest->processes()) {
      if (!best || p.message_queue_len() > best->message_queue_len()) best = &p;
    }
    model.select_process(best ? best->pid() : std::string());
    return true;
  }
  if (!wanted.empty() && wanted.front() == '<') {
    model.select_process(wanted);
    return true;
  }
  for (const auto& e : node.latest->tree()) {
    if (e.id() == wanted || e.registered_name() == wanted || e.name() == wanted) {
      model.select_tree_entry(e.id());
      return true;
    }
  }
  return false;
}

std::vector<LinkStatus> link_states(const std::vector<std::unique_ptr<transport::StreamClient>>& clients) {
  std::vector<LinkStatus> out;
  const std::int64_t now = protocol::now_us();
  for (const auto& c : clients) {
    const auto s = c->stats();
    out.push_back(describe_link(s.connected, s.last_heard_us, now));
  }
  return out;
}

}  // namespace

int run_inspector(const Options& opt) {
  // Bad endpoints are reported before any window opens.
  for (const auto& ep : opt.endpoints) {
    if (auto err = transport::check_endpoint(ep, false)) {
      std::fprintf(stderr, "beamscope: bad endpoint %s: %s\n", ep.c_str(), err->c_str());
      return 2;
    }
  }
  const bool screenshot = !opt.screenshot.empty();
  std::string error;
  // The window outlives the clients (declared first): their threads call wake().
  auto window =
      PlatformWindow::open({opt.width, opt.height, "beamscope", screenshot ? "" : imgui_ini_path(), screenshot}, error);
  if (!window) {
    std::fprintf(stderr, "beamscope: %s\n", error.c_str());
    return 3;
  }
  std::vector<std::unique_ptr<transport::StreamClient>> clients;
  for (const auto& ep : opt.endpoints) {
    auto c = transport::StreamClient::start(ep, error, [](const protocol::Envelope&) { PlatformWindow::wake(); });
    if (!c) {
      std::fprintf(stderr, "beamscope: %s: %s\n", ep.c_str(), error.c_str());
      return 2;
    }
    clients.push_back(std::move(c));
  }

  InspectorModel model(opt.endpoints);
  InspectorView view;
  view.show_tab(opt.tab == "processes" ? Tab::kProcesses : opt.tab == "events" ? Tab::kEvents : Tab::kOverview);

  std::string pending_select = opt.select;
  const auto started = Clock::now();
  int frames = 0, frames_with_data = 0;
  double busy_ms = 0.0;  // time spent building and rendering frames
  std::signal(SIGINT, on_quit_signal);
  std::signal(SIGTERM, on_quit_signal);
  while (!window->should_close() && !g_quit.load()) {
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < clients.size(); ++i) model.update(i, clients[i]->snapshots());
    if (!pending_select.empty() && model.selected() && apply_selection(pending_select, model)) pending_select.clear();
    window->begin_frame();
    view.draw(model, link_states(clients));
    window->render();
    busy_ms += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    ++frames;
    if (model.has_data()) ++frames_with_data;

    if (screenshot && frames >= opt.frames) {
      const bool timed_out = Clock::now() - started > kScreenshotDeadline;
      if (frames_with_data >= kFramesWithData || timed_out) {
        int w = 0, h = 0;
        window->framebuffer_size(w, h);
        if (!write_back_buffer_png(w, h, opt.screenshot, error)) {
          std::fprintf(stderr, "beamscope: %s\n", error.c_str());
          return 1;
        }
        if (!model.has_data()) std::fprintf(stderr, "beamscope: no data arrived; the screenshot shows the waiting screen\n");
        std::fprintf(stderr, "beamscope: wrote %s (%dx%d) after %d frames, mean frame %.2f ms\n",
                     opt.screenshot.c_str(), w, h, frames, busy_ms / frames);
        return 0;
      }
    }
    window->swap();
    // A restarted child's flash fades smoothly: keep drawing while it lasts.
    const bool animating = model.selected() && model.selected()->tree.animating(monotonic_s());
    window->wait(screenshot ? kScreenshotPaceS : animating ? kAnimationWaitS : kIdleWaitS);
  }
  return 0;
}

}  // namespace beamscope::gui
