// Children pages as the viewers read them, after keyframes and deltas that
// give them a tree to land in: beamscope-ctl's `children` document and
// table, and the inspector's model (pager state, the tree with the page in
// place of the streamed children, its rows, selection and pager lines).
// Each chunk is one frame; its tag says what happens with it:
//   bit 0      a page answers the inspector's latest request for its
//              supervisor (gets that request id; otherwise it is stale)
//   bits 1-2   user moves afterwards: 1 open every closed row with children,
//              2 next/last page and another order, 3 select and move
//   bits 4-7   seconds passed since the previous chunk
#include <cstdint>
#include <sstream>
#include <string>
#include <variant>

#include "beamscope/protocol/framing.hpp"
#include "beamscope/protocol/limits.hpp"
#include "beamscope/protocol/node_model.hpp"
#include "fuzz_chunks.hpp"
#include "inspector_model.hpp"
#include "render/render.hpp"

using namespace beamscope;

namespace {

void render_cli(const std::string& node, const v1::ChildrenPage& page) {
  const std::string doc = cli::dump_json(cli::children_json(node, page));
  FUZZ_CHECK(!doc.empty());
  std::ostringstream text;
  cli::print_children_text(text, node, page);
  FUZZ_CHECK(!text.str().empty());
}

std::vector<std::shared_ptr<const v1::Keyframe>> snapshots(const protocol::FleetModel& fleet) {
  std::vector<std::shared_ptr<const v1::Keyframe>> out;
  for (const auto& [name, m] : fleet.nodes())
    if (m.has_state()) out.push_back(m.snapshot());
  return out;
}

// What the inspector would send: requests the agent accepts.
void check_requests(gui::InspectorModel& model, double now) {
  for (const auto& r : model.page_requests(now)) {
    protocol::Envelope env;
    *env.mutable_children_request() = r.request;
    env.set_node(r.node);
    FUZZ_CHECK(protocol::within_bounds(env));
    FUZZ_CHECK(r.request.limit() <= protocol::limits::kMaxPageChildren);
  }
}

void check_rows(gui::NodeView& n) {
  const auto& rows = n.tree.rows();
  for (const auto& r : rows) {
    FUZZ_CHECK(r.node >= 0 && static_cast<std::size_t>(r.node) < n.tree.size());
    if (r.kind == gui::TreeRow::Kind::kPager) {
      const auto& sup = n.tree.node(r.node);
      const auto text = gui::pager_text(n.pager.find(sup.id()), r.shown, sup.children_total());
      FUZZ_CHECK(!text.range.empty());
    }
  }
  const int sel = n.tree.selected_row();
  FUZZ_CHECK(sel >= -1 && sel < static_cast<int>(rows.size()));
}

void user_moves(gui::InspectorModel& model, gui::NodeView& n, int moves, const v1::ChildrenPage* page) {
  switch (moves) {
    case 1: {
      const auto rows = n.tree.rows();  // a copy: opening rows rebuilds them
      for (const auto& r : rows)
        if (r.kind == gui::TreeRow::Kind::kNode && r.has_children && !r.expanded) n.tree.set_expanded(r.node, true);
        else if (r.kind == gui::TreeRow::Kind::kMore) n.tree.show_more(r.node);
      break;
    }
    case 2:
      if (page) {
        const auto& sup = page->supervisor_id();
        n.pager.next(sup, page->total());
        n.pager.last(sup, page->total());
        n.pager.prev(sup);
        n.pager.set_order(sup, static_cast<gui::ChildOrder>((static_cast<unsigned>(page->order()) + 1u) % 4u));
      }
      break;
    case 3:
      if (page && page->children_size() > 0) model.select_tree_entry(page->children(0).id());
      if (page && page->children_size() > 0) model.select_process(page->children(0).pid());
      n.tree.move_selection(3);
      n.tree.open_selected(true);
      n.tree.move_selection(-1);
      n.tree.open_selected(false);
      break;
    default: break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  protocol::FleetModel fleet;
  gui::InspectorModel model({"tcp://127.0.0.1:9755"});
  double now = 1000.0;
  fuzz::ChunkReader reader(data, size);
  fuzz::Chunk chunk;
  while (reader.next(chunk)) {
    now += chunk.tag >> 4;
    auto decoded = protocol::decode(chunk.bytes);
    auto* env = std::get_if<protocol::Envelope>(&decoded);
    if (!env) continue;
    const v1::ChildrenPage* page = nullptr;
    if (env->has_keyframe() || env->has_delta()) {
      if (fleet.apply(*env) == protocol::ApplyResult::kApplied) model.update(0, snapshots(fleet));
    } else if (env->has_children_page()) {
      page = &env->children_page();
      render_cli(env->node(), *page);
      model.select_node(env->node());
      if (gui::NodeView* n = model.selected(); n && n->name == env->node() && (chunk.tag & 1)) {
        if (const auto* st = n->pager.find(page->supervisor_id()))
          env->mutable_children_page()->set_request_id(st->sent_id);
      }
      model.receive_page(env->node(), *page, now);
    }
    check_requests(model, now);
    if (gui::NodeView* n = model.selected()) {
      user_moves(model, *n, chunk.tag >> 1 & 0x03, page);
      check_rows(*n);
    }
  }
  return 0;
}
