// State dump; see state_dump.hpp.
#include "state_dump.hpp"

#include <fstream>

#include <nlohmann/json.hpp>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/processes.hpp"

namespace beamscope::gui {
namespace {

using nlohmann::json;

json page_json(const v1::ChildrenPage& p) {
  json j = {{"request_id", p.request_id()}, {"offset", p.offset()},   {"total", p.total()},
            {"order", order_label(p.order())}, {"children", p.children_size()}};
  if (p.children_size() > 0) {
    j["first_child"] = p.children(0).id();
    j["last_child"] = p.children(p.children_size() - 1).id();
  }
  return j;
}

json pagers_json(NodeView& n) {
  json out = json::array();
  for (const TreeRow& r : n.tree.rows()) {
    if (r.kind != TreeRow::Kind::kPager) continue;
    const std::string& sup = n.tree.node(r.node).id();
    const PagerState* st = n.pager.find(sup);
    const PagerText t = pager_text(st, r.shown, static_cast<std::uint32_t>(r.total));
    json j = {{"supervisor", sup}, {"range", t.range}, {"status", t.status}, {"streamed", r.shown},
              {"children_total", r.total}, {"rows_shown", n.tree.child_count(r.node)}};
    if (st) {
      j["offset"] = st->offset;
      j["order"] = order_label(st->order);
      j["in_flight"] = st->in_flight;
      j["error"] = st->error;
      j["page"] = st->page ? page_json(*st->page) : json();
    }
    out.push_back(std::move(j));
  }
  return out;
}

// The every-process list's latest page (issue 14), in the agent's order.
json process_pages_json(const ProcessPages& pages) {
  const v1::ProcessesPage& page = pages.page();
  json rows = json::array();
  for (const auto& r : page.rows())
    rows.push_back({{"pid", r.pid()}, {"message_queue_len", r.message_queue_len()}, {"name", r.name()}});
  return {{"answered", pages.answered()},
          {"sort", std::string(protocol::page_key_name(pages.query().sort))},
          {"ascending", pages.query().ascending},
          {"name_filter", pages.query().name_filter},
          {"total", page.total()},
          {"swept", page.swept()},
          {"offset", page.offset()},
          {"error", page.error()},
          {"problem", pages.problem()},
          {"rows", std::move(rows)}};
}

json drawn_json(const DrawReport& d) {
  json rows = json::array();
  for (const auto& r : d.tree_rows)
    rows.push_back({{"id", r.id}, {"name", r.name}, {"name_px", r.name_px}, {"name_room_px", r.name_room_px},
                    {"elided", r.elided}, {"badges_full", r.badges_full}, {"badges_short", r.badges_short},
                    {"badges_dropped", r.badges_dropped}});
  json cols = json::array();
  for (const auto& [title, w] : d.process_columns) cols.push_back({{"title", title}, {"width_px", w}});
  return {{"tree_rows", std::move(rows)},
          {"process_columns", std::move(cols)},
          {"process_rows_drawn", d.process_rows_drawn},
          {"processes_pids", d.processes_pids},
          {"processes_list", d.processes_list},
          {"processes_status", d.processes_status},
          {"detail_lines", d.detail_lines},
          {"detail_open", d.detail_open},
          {"key_region", d.key_region},
          {"main_tab", d.main_tab},
          {"tree_search", d.tree_search},
          {"processes_filter", d.processes_filter},
          {"events_filter", d.events_filter},
          {"events_highlighted", d.events_highlighted},
          {"alerts", d.alerts}};
}

// One chart tick, to compare with the source's own frames (issue 15).
json tick_json(const NodeHistory& h, std::size_t i) {
  if (i >= h.size()) return json();
  return {{"uptime_ms", h.times_ms()[i]},
          {"process_count", h.series(Series::kProcessCount)[i]},
          {"memory_total", h.series(Series::kMemoryTotal)[i]}};
}

}  // namespace

bool write_state_dump(const std::string& path, InspectorModel& model, const std::vector<LinkStatus>& links,
                      const FrameTimes& frames, const RunCounters& counters, const DrawReport& drawn,
                      std::string& error) {
  json doc = {{"frames", counters.frames},
              {"frames_with_data", counters.frames_with_data},
              {"frame_cpu_ms",
               {{"count", frames.count()},
                {"median", frames.percentile(50)},
                {"p99", frames.percentile(99)},
                {"mean", frames.mean()}}},
              {"pages_dropped", counters.pages_dropped},
              {"keys_pressed", counters.keys_pressed},
              {"theme", counters.theme},
              {"content_scale", counters.content_scale},
              {"font_size", counters.font_size},
              {"drawn", drawn_json(drawn)}};
  json link_list = json::array();
  for (std::size_t i = 0; i < links.size(); ++i)
    link_list.push_back({{"endpoint", i < model.endpoints().size() ? model.endpoints()[i] : ""},
                         {"state", link_state_name(links[i].state)},
                         {"text", links[i].text}});
  doc["links"] = std::move(link_list);
  // Each node as its dot shows it: its link's state, or gone (issue 15).
  const std::int64_t now_us = protocol::now_us();
  json node_list = json::array();
  for (const auto& [name, n] : model.nodes()) {
    const LinkStatus st =
        describe_node(n.source < links.size() ? links[n.source] : LinkStatus{}, n.gone_at_us, n.gone_reason, now_us);
    node_list.push_back({{"name", name},
                         {"state", link_state_name(st.state)},
                         {"text", st.text},
                         {"gone_at_us", n.gone_at_us},
                         {"process_count", n.latest ? n.latest->gauges().process_count() : 0}});
  }
  doc["nodes"] = std::move(node_list);
  if (const ReplayControl& r = model.replay(); r.active)
    doc["replay"] = {{"file", r.file}, {"first_us", r.first_us}, {"last_us", r.last_us}, {"at_us", r.at_us},
                     {"playing", r.playing}, {"damage", r.damage}, {"from_collector", r.from_collector},
                     {"note", r.note}};
  else if (r.past_offered)
    doc["past_offered"] = {{"first_us", r.first_us}, {"last_us", r.last_us}};
  if (NodeView* n = model.selected()) {
    doc["node"] = n->name;
    if (n->latest) doc["process_count"] = n->latest->gauges().process_count();
    doc["history_samples"] = n->history.size();  // charts' ticks, backfilled ones included (issue 15)
    doc["history_span_s"] =
        n->history.size() > 1 ? (n->history.times_ms().back() - n->history.times_ms()[0]) / 1000.0 : 0.0;
    doc["history_oldest"] = tick_json(n->history, 0);
    doc["history_newest"] = tick_json(n->history, n->history.size() - 1);
    doc["tree_entries"] = n->tree.size();
    doc["tree_rows"] = n->tree.rows().size();
    doc["selected"] = n->tree.selected_id();
    doc["selected_pid"] = n->table.selected_pid();
    doc["pagers"] = pagers_json(*n);
    doc["process_pages"] = process_pages_json(n->pages);
    doc["stale_answers"] = n->pager.stale_answers();
  }
  std::ofstream f(path);
  f << doc.dump(2) << '\n';
  if (!f) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace beamscope::gui
