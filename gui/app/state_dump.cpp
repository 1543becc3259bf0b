// State dump; see state_dump.hpp.
#include "state_dump.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

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

}  // namespace

bool write_state_dump(const std::string& path, InspectorModel& model, const std::vector<LinkStatus>& links,
                      const FrameTimes& frames, const RunCounters& counters, std::string& error) {
  json doc = {{"frames", counters.frames},
              {"frames_with_data", counters.frames_with_data},
              {"frame_cpu_ms",
               {{"count", frames.count()},
                {"median", frames.percentile(50)},
                {"p99", frames.percentile(99)},
                {"mean", frames.mean()}}},
              {"pages_dropped", counters.pages_dropped}};
  json link_list = json::array();
  for (std::size_t i = 0; i < links.size(); ++i)
    link_list.push_back({{"endpoint", i < model.endpoints().size() ? model.endpoints()[i] : ""},
                         {"state", link_state_name(links[i].state)},
                         {"text", links[i].text}});
  doc["links"] = std::move(link_list);
  if (NodeView* n = model.selected()) {
    doc["node"] = n->name;
    if (n->latest) doc["process_count"] = n->latest->gauges().process_count();
    doc["tree_entries"] = n->tree.size();
    doc["tree_rows"] = n->tree.rows().size();
    doc["selected"] = n->tree.selected_id();
    doc["pagers"] = pagers_json(*n);
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
