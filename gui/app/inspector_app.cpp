// Run loop; see inspector_app.hpp.
#include "inspector_app.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include <imgui.h>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/transport/endpoint.hpp"
#include "beamscope/transport/stream_client.hpp"
#include "config_dir.hpp"
#include "frame_times.hpp"
#include "inspector_model.hpp"
#include "inspector_view.hpp"
#include "key_script.hpp"
#include "link_status.hpp"
#include "node_inbox.hpp"
#include "page_inbox.hpp"
#include "page_option.hpp"
#include "platform_window.hpp"
#include "past_session.hpp"
#include "replay_feed.hpp"
#include "screenshot.hpp"
#include "settings_ini.hpp"
#include "state_dump.hpp"

namespace beamscope::gui {
namespace {

using Clock = std::chrono::steady_clock;

// Ctrl-C / SIGTERM end the loop normally, so ImGui saves the layout and the
// stream clients stop cleanly. The loop sees it within one idle wait.
std::atomic<bool> g_quit{false};
extern "C" void on_quit_signal(int) { g_quit.store(true); }

// Interactive: sleep until data wakes us or an "Ns" text changes
// (idle_wait_s). Screenshot: a steady pace so data can arrive.
constexpr double kScreenshotPaceS = 0.05;
constexpr double kAnimationWaitS = 1.0 / 60;
// Frames drawn with data before the screenshot, so tables have sized their columns.
constexpr int kFramesWithData = 5;
constexpr auto kScreenshotDeadline = std::chrono::seconds(10);

// "top" means the hot process with the largest mailbox; "<...>" is a pid;
// anything else names a supervision tree entry (registered name, child id
// or tree id), which may only appear after the agent's first walk, or a
// registered process of the hot set: false means "not there yet, try
// again next frame".
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
  // The tree model's entries include children fetched in pages.
  for (int i = 0; i < static_cast<int>(node.tree.size()); ++i) {
    const auto& e = node.tree.node(i);
    if (e.id() == wanted || e.registered_name() == wanted || e.name() == wanted) {
      model.select_tree_entry(e.id());
      return true;
    }
  }
  // A registered process outside any supervision tree, in the hot set.
  for (const auto& p : node.latest->processes()) {
    if (p.registered_name() == wanted) {
      model.select_process(p.pid());
      return true;
    }
  }
  return false;
}

// Requests due now (children pages, a page of every process, the shown
// process's detail, an action) go out through the client of their
// endpoint. A full send queue is not retried here: the pager, the pages
// or the inquiry time out and ask again.
void send_requests(InspectorModel& model, bool detail_shown,
                   const std::vector<std::unique_ptr<transport::StreamClient>>& clients) {
  const double now = monotonic_s();
  for (auto& req : model.page_requests(now)) {
    if (req.source >= clients.size()) continue;
    protocol::Envelope env;
    env.set_node(req.node);
    *env.mutable_children_request() = std::move(req.request);
    clients[req.source]->request(std::move(env));
  }
  if (auto req = model.processes_request(now); req && req->source < clients.size()) {
    protocol::Envelope env;
    env.set_node(req->node);
    *env.mutable_processes_request() = std::move(req->request);
    clients[req->source]->request(std::move(env));
  }
  if (auto req = model.detail_request(now, detail_shown); req && req->source < clients.size()) {
    protocol::Envelope env;
    env.set_node(req->node);
    *env.mutable_process_request() = std::move(req->request);
    clients[req->source]->request(std::move(env));
  }
  // An action is sent once; a lost one is said by the desk after 5 s.
  if (auto order = model.take_action(); order && order->source < clients.size()) {
    protocol::Envelope env;
    env.set_node(order->node);
    *env.mutable_action_request() = std::move(order->request);
    clients[order->source]->request(std::move(env));
  }
}

// Plays --keys: each key is pressed for one frame and released the next,
// as a person's key would be (ImGui sees one press).
class KeyPlayer {
 public:
  explicit KeyPlayer(std::vector<ScriptStep> steps) : steps_(std::move(steps)) {}
  bool done() const { return i_ >= steps_.size() && !held_; }
  /// The key to press and the key to release this frame (either may be null).
  void next(const ScriptStep*& press, const ScriptStep*& release) {
    press = release = nullptr;
    if (held_) {
      release = held_;
      held_ = nullptr;
      return;
    }
    if (i_ >= steps_.size()) return;
    press = held_ = &steps_[i_];
    if (++count_ >= steps_[i_].repeat) {
      count_ = 0;
      ++i_;
    }
  }
  std::size_t pressed() const { return pressed_total(); }

 private:
  std::size_t pressed_total() const {
    std::size_t n = 0;
    for (std::size_t k = 0; k < i_ && k < steps_.size(); ++k) n += static_cast<std::size_t>(steps_[k].repeat);
    return n + static_cast<std::size_t>(count_);
  }
  std::vector<ScriptStep> steps_;
  std::size_t i_ = 0;
  int count_ = 0;
  const ScriptStep* held_ = nullptr;
};

std::vector<LinkStatus> link_states(const std::vector<std::unique_ptr<transport::StreamClient>>& clients) {
  std::vector<LinkStatus> out;
  const std::int64_t now = protocol::now_us();
  for (const auto& c : clients) {
    const auto s = c->stats();
    out.push_back(describe_link(s.connected, s.last_heard_us, now, s.refused, s.rejects.describe(c->endpoint()),
                                s.last_rejected_us));
  }
  return out;
}

// The times whose age some "Ns" text shows: each link's last frame, each
// departed node's leaving.
std::vector<std::int64_t> ages_shown(const std::vector<std::unique_ptr<transport::StreamClient>>& clients,
                                     const InspectorModel& model) {
  std::vector<std::int64_t> out;
  for (const auto& c : clients) out.push_back(c->stats().last_heard_us);
  for (const auto& [name, n] : model.nodes())
    if (n.gone_at_us) out.push_back(n.gone_at_us);
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
  std::optional<PageOption> page_opt;
  if (!opt.page.empty() && !(page_opt = parse_page_option(opt.page, error))) {
    std::fprintf(stderr, "beamscope: %s\n", error.c_str());
    return 2;
  }
  std::vector<ScriptStep> script;
  if (!opt.keys.empty()) {
    auto parsed = parse_key_script(opt.keys, error);
    if (!parsed) {
      std::fprintf(stderr, "beamscope: %s\n", error.c_str());
      return 2;
    }
    script = std::move(*parsed);
  }
  std::unique_ptr<ReplayFeed> feed;
  if (!opt.replay.empty() && !(feed = ReplayFeed::open(opt.replay, opt.at, error))) {
    std::fprintf(stderr, "beamscope: %s\n", error.c_str());
    return 2;
  }
  transport::ClientSecurity security;
  if (auto err = transport::load_client_security(opt.server_public_key_file, opt.key_file, security)) {
    std::fprintf(stderr, "beamscope: %s\n", err->c_str());
    return 2;
  }
  // The window outlives the clients (declared first): their threads call wake().
  auto window =
      PlatformWindow::open({opt.width, opt.height, "beamscope", screenshot ? "" : imgui_ini_path(), screenshot}, error);
  if (!window) {
    std::fprintf(stderr, "beamscope: %s\n", error.c_str());
    return 3;
  }
  // Outlives the clients: their threads push answers into it.
  PageInbox inbox;
  NodeInbox<v1::History, 64> histories;  // issue 15: a node's past, after its keyframe (up to ~700 KiB each)
  NodeInbox<std::string, 4096> departures;  // why a node left its stream
  NodeInbox<v1::ProcessDetail, 64> details;  // the shown process's detail, asked of its agent
  NodeInbox<v1::ActionResult, 64> action_results;
  NodeInbox<v1::ProcessesPage, 16> process_pages;  // every process, a page of it (up to ~150 KiB each)
  StateInbox past_states;  // a node as its collector recorded it (up to a frame each)
  std::vector<std::unique_ptr<transport::StreamClient>> clients;
  for (const auto& ep : opt.endpoints) {
    auto on_reply = [&inbox, &histories, &details, &action_results, &process_pages,
                     &past_states](const protocol::Envelope& env) {
      if (env.has_history_answer()) {  // the inspector asks for past states only
        past_states.push(env.node(), env.history_answer());
        PlatformWindow::wake();
      }
      if (env.has_history()) {
        histories.push(env.node(), env.history());
        PlatformWindow::wake();
      }
      if (env.has_process_detail()) {
        details.push(env.node(), env.process_detail());
        PlatformWindow::wake();
      }
      if (env.has_processes_page()) {
        process_pages.push(env.node(), env.processes_page());
        PlatformWindow::wake();
      }
      if (env.has_action_result()) {
        action_results.push(env.node(), env.action_result());
        PlatformWindow::wake();
      }
      if (!env.has_children_page()) return;
      inbox.push(env.node(), env.children_page());
      PlatformWindow::wake();
    };
    auto on_gone = [&departures](const std::string& node, const std::string& reason) {
      departures.push(node, reason);
      PlatformWindow::wake();
    };
    auto c = transport::StreamClient::start(
        ep, error, [](const protocol::SharedEnvelope&) { PlatformWindow::wake(); }, on_gone, on_reply, security);
    if (!c) {
      std::fprintf(stderr, "beamscope: %s: %s\n", ep.c_str(), error.c_str());
      return 2;
    }
    clients.push_back(std::move(c));
  }

  // Settings persist in ImGui's ini: read it now, so the first frame has the theme.
  Settings settings;
  register_settings_ini(&settings);
  if (const char* ini = ImGui::GetIO().IniFilename) ImGui::LoadIniSettingsFromDisk(ini);
  if (auto t = parse_theme(opt.theme)) settings.theme = *t;
  if (auto every = parse_process_list(opt.processes)) settings.every_process = *every;
  ThemeKind applied_theme = ThemeKind::kDark;  // what PlatformWindow::open applied

  InspectorModel model(feed ? std::vector<std::string>{"recording " + opt.replay} : opt.endpoints);
  if (feed) {
    feed->on_history_ready(PlatformWindow::wake);
    model.replay() = feed->control();
    model.update(0, feed->snapshots(), feed->at_us());
  }
  if (!opt.node.empty()) model.prefer_node(opt.node);
  PastSession past(feed ? "" : opt.at);
  InspectorView view;
  view.report().enabled = screenshot;
  view.show_tab(opt.tab == "processes" ? Tab::kProcesses : opt.tab == "events" ? Tab::kEvents : Tab::kOverview);
  KeyPlayer keys(std::move(script));
  bool rescale_pending = opt.simulate_content_scale > 0;
  int frames_after_script = 0;

  std::string pending_select = opt.select;
  std::string paged_id;  // the --page supervisor, once found
  const auto started = Clock::now();
  int frames = 0, frames_with_data = 0;
  double busy_ms = 0.0;  // time spent building and rendering frames
  FrameTimes frame_cpu;  // this thread's CPU per frame with data
  std::signal(SIGINT, on_quit_signal);
  std::signal(SIGTERM, on_quit_signal);
  while (!window->should_close() && !g_quit.load()) {
    const auto t0 = Clock::now();
    const double cpu0 = thread_cpu_ms();
    const std::int64_t now_us = protocol::now_us();
    for (std::size_t i = 0; i < clients.size(); ++i) model.update(i, clients[i]->snapshots(), now_us);
    // A recording's nodes absent at the time shown are gone as of that time.
    if (feed && feed->update(model.replay(), monotonic_s())) model.update(0, feed->snapshots(), feed->at_us());
    // After a seek, the past before it: the charts start full, as live.
    if (feed)
      for (auto& [node, history] : feed->take_histories()) model.receive_history(node, history);
    for (auto& [node, reason] : departures.take()) model.node_left(node, reason);
    for (auto& [node, page] : inbox.take()) model.receive_page(node, page, monotonic_s());
    for (auto& [node, history] : histories.take()) model.receive_history(node, history);
    for (auto& [node, detail] : details.take()) model.receive_detail(node, detail, monotonic_s());
    for (auto& [node, page] : process_pages.take()) model.receive_processes_page(node, page, monotonic_s());
    for (auto& [node, result] : action_results.take()) model.receive_action_result(node, result, monotonic_s());
    if (page_opt && model.selected() && apply_page_option(*page_opt, model, paged_id)) page_opt.reset();
    if (!pending_select.empty() && model.selected() && apply_selection(pending_select, model)) pending_select.clear();
    // Live: the node shown as its collector recorded it, while the person looks back.
    InspectorModel& shown = feed ? model : past.step(model, past_states, clients);
    if (settings.theme != applied_theme) {
      window->set_theme(settings.theme);
      applied_theme = settings.theme;
    }
    // Scripted input starts once data is drawn and --select/--page are in place.
    const bool ready = frames_with_data >= 2 && !page_opt && pending_select.empty() && !past.span_pending();
    if (ready && rescale_pending) {
      window->simulate_content_scale(opt.simulate_content_scale);
      rescale_pending = false;
    }
    window->apply_scale_change();
    const ScriptStep *press = nullptr, *release = nullptr;
    if (ready) keys.next(press, release);
    if (ready && keys.done() && !rescale_pending) ++frames_after_script;
    window->begin_frame(press, release);
    const Settings before = settings;
    // The past has no link of its own: the live ones' dots would speak for
    // another time (and, with several endpoints, another node).
    view.draw(shown, &shown == &model ? link_states(clients) : std::vector<LinkStatus>{}, settings);
    if (!(settings == before)) settings_changed();
    send_requests(shown, view.detail_open(), clients);
    window->render();
    busy_ms += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    ++frames;
    if (shown.has_data()) {
      ++frames_with_data;
      frame_cpu.add(thread_cpu_ms() - cpu0);
    }

    if (screenshot && frames >= opt.frames) {
      const bool timed_out = Clock::now() - started > kScreenshotDeadline;
      // With --page, the picture waits for the page (or its error) too.
      const bool page_done = !page_opt && (paged_id.empty() || page_settled(model, paged_id));
      // With --keys, a few frames after the last one so the picture shows where they led.
      const bool input_done = frames_after_script >= 3;
      // The every-process list waits for the agent's page of what it shows.
      const bool list_done = !settings.every_process || view.report().main_tab != "processes" ||
                             !shown.selected() || shown.selected()->pages.settled();
      // A recording's charts wait for the past before the time shown.
      const bool past_done = (!feed || !feed->history_pending()) && !past.pending() && !past.waiting_for_at();
      if ((frames_with_data >= kFramesWithData && page_done && pending_select.empty() && input_done &&
           list_done && past_done) ||
          timed_out) {
        int w = 0, h = 0;
        window->framebuffer_size(w, h);
        if (!write_back_buffer_png(w, h, opt.screenshot, error)) {
          std::fprintf(stderr, "beamscope: %s\n", error.c_str());
          return 1;
        }
        if (!shown.has_data()) std::fprintf(stderr, "beamscope: no data arrived; the screenshot shows the waiting screen\n");
        std::fprintf(stderr, "beamscope: wrote %s (%dx%d) after %d frames, mean frame %.2f ms\n",
                     opt.screenshot.c_str(), w, h, frames, busy_ms / frames);
        std::fprintf(stderr, "beamscope: frame CPU median %.3f ms, p99 %.3f ms over %zu frames with data\n",
                     frame_cpu.percentile(50), frame_cpu.percentile(99), frame_cpu.count());
        RunCounters counters;
        counters.frames = frames;
        counters.frames_with_data = frames_with_data;
        counters.pages_dropped = inbox.dropped();
        counters.keys_pressed = keys.pressed();
        counters.theme = theme_name(applied_theme);
        counters.content_scale = window->content_scale();
        counters.font_size = window->font_size();
        if (!opt.dump_state.empty() &&
            !write_state_dump(opt.dump_state, shown, link_states(clients), frame_cpu, counters, view.report(), error)) {
          std::fprintf(stderr, "beamscope: %s\n", error.c_str());
          return 1;
        }
        return 0;
      }
    }
    window->swap();
    // A restarted child's flash fades smoothly: keep drawing while it lasts.
    const bool animating = (shown.selected() && shown.selected()->tree.animating(monotonic_s())) ||
                           shown.replay().playing;
    window->wait(screenshot ? kScreenshotPaceS : animating ? kAnimationWaitS : idle_wait_s(ages_shown(clients, model), protocol::now_us()));
  }
  return 0;
}

}  // namespace beamscope::gui
