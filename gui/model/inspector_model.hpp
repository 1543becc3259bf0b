// Everything the inspector shows, as plain data: one NodeView per node
// heard from any endpoint, the node and process selection, and the text
// shown before any data arrives. The frame loop feeds it the stream
// clients' immutable snapshots; views read it. No ImGui, no sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "action_desk.hpp"
#include "alerts_model.hpp"
#include "beamscope.pb.h"
#include "beamscope/protocol/framing.hpp"
#include "children_pager.hpp"
#include "events_model.hpp"
#include "mailbox_reading.hpp"
#include "node_history.hpp"
#include "process_inquiry.hpp"
#include "process_pages.hpp"
#include "process_table.hpp"
#include "replay_control.hpp"
#include "ring_buffer.hpp"
#include "tree_model.hpp"

namespace beamscope::gui {

/// One node: its latest state, its history and its process table.
struct NodeView {
  static constexpr std::size_t kTrackCapacity = 600;  // 10 min at 1 s

  std::string name;
  std::size_t source = 0;  ///< index of the endpoint it came from
  std::shared_ptr<const v1::Keyframe> latest;
  NodeHistory history;
  ProcessTable table;
  TreeModel tree;
  ChildrenPager pager;  ///< pages of huge supervisors' children, fetched on request
  ProcessInquiry inquiry;  ///< the selected process's detail, asked of the agent while shown
  ProcessPages pages;      ///< every process, in the agent's order, while the table shows them
  ActionDesk actions;      ///< gc, kill, suspend, resume on it, when the agent allows them
  EventsModel events;
  AlertsModel alerts;  ///< the agent's, as sent
  /// Mailbox of the selected process at every tick since it was selected.
  RingBuffer<float> selected_mailbox{kTrackCapacity};
  std::string tracked_pid;
  /// Unix µs since the node left its endpoint's stream (a collector's
  /// agent went silent, the node stopped); 0 while it streams. Its last
  /// state stays on screen, marked.
  std::int64_t gone_at_us = 0;
  std::string gone_reason;  ///< the stream's last word on why it left
};

/// A request to send through the stream client of endpoint `source`.
template <class Request>
struct NodeRequest {
  std::size_t source = 0;
  std::string node;
  Request request;
};
using PageRequest = NodeRequest<v1::ChildrenRequest>;
using DetailRequest = NodeRequest<v1::ProcessRequest>;
using ProcessesPageRequest = NodeRequest<v1::ProcessesRequest>;
using ActionOrder = NodeRequest<v1::ActionRequest>;

class InspectorModel {
 public:
  explicit InspectorModel(std::vector<std::string> endpoints);

  /// Takes the current snapshots of endpoint `source` (cheap when nothing
  /// changed: pointers are compared). A node of that endpoint missing from
  /// them is marked gone at `now_us`; a frame of it again unmarks it.
  /// Returns true when anything changed.
  bool update(std::size_t source, const std::vector<std::shared_ptr<const v1::Keyframe>>& snapshots,
              std::int64_t now_us = protocol::now_us());
  /// Why a node left, as its stream said ("no data from ... for 3 s").
  void node_left(const std::string& node, const std::string& reason);

  const std::vector<std::string>& endpoints() const { return endpoints_; }
  const std::map<std::string, NodeView>& nodes() const { return nodes_; }
  bool has_data() const { return !nodes_.empty(); }

  /// The node shown; the first node heard of until the user picks one.
  NodeView* selected();
  const std::string& selected_name() const { return selected_; }
  void select_node(const std::string& name);
  /// Shows `name` once it is heard of (--node); until then the first node.
  void prefer_node(const std::string& name);

  /// Selects a process of the shown node and starts tracking its mailbox;
  /// the tree follows (shows and selects its entry, or drops its selection).
  void select_process(const std::string& pid);
  /// Selects a supervision tree entry of the shown node; its process (if
  /// running) becomes the process selection. "" clears both.
  void select_tree_entry(const std::string& id);

  /// Requests due now for the pagers on screen: the shown node's expanded
  /// supervisors that have more children than the stream carries. Nothing
  /// is asked for a supervisor until it is expanded.
  std::vector<PageRequest> page_requests(double now_s);
  /// An answer to one of them; stale or unknown answers are dropped.
  void receive_page(const std::string& node, const v1::ChildrenPage& page, double now_s);

  /// The request for the selected process's detail, when one is due: only
  /// while the detail panel is shown, every ProcessInquiry::kRefreshS.
  std::optional<DetailRequest> detail_request(double now_s, bool detail_shown);
  /// An answer to it; stale ones are dropped.
  void receive_detail(const std::string& node, const v1::ProcessDetail& detail, double now_s);

  /// The shown node's page of every process, when one is due (only while
  /// the Processes tab shows every process: see ProcessPages).
  std::optional<ProcessesPageRequest> processes_request(double now_s);
  /// An answer to it; stale ones are dropped.
  void receive_processes_page(const std::string& node, const v1::ProcessesPage& page, double now_s);

  /// The person pressed an action's button for the selected process (a
  /// kill confirmed): queued for the frame loop, unless one is in flight.
  void press_action(ProcessAction action, double now_s);
  /// The action to send now, once.
  std::optional<ActionOrder> take_action();
  void receive_action_result(const std::string& node, const v1::ActionResult& result, double now_s);

  /// The selected process's mailbox: one figure, the freshest read, with
  /// its time (see mailbox_reading.hpp). `now_s` is monotonic_s(),
  /// `now_us` unix µs (pages are timed on the viewer's clock).
  MailboxReading selection_mailbox(double now_s, std::int64_t now_us);

  /// A node's History (sent after its keyframe): its charts start full. A
  /// History for a node not shown yet waits for its first snapshot (at
  /// most kMaxPendingHistories of them).
  void receive_history(const std::string& node, const v1::History& history);
  static constexpr std::size_t kMaxPendingHistories = 64;

  /// "Waiting for tcp://127.0.0.1:9755 — no agent answering yet".
  std::string waiting_text() const;

  /// The recording shown (`--replay`): its bar's state. Inactive for live
  /// streams. A recording has no agent to ask: no page, detail or action
  /// is requested while it is active.
  ReplayControl& replay() { return replay_; }
  const ReplayControl& replay() const { return replay_; }

 private:
  void track_selected(NodeView& n);
  void follow_tree_entry(NodeView& n);
  void select_in_table(NodeView& n, const std::string& pid);

  std::vector<std::string> endpoints_;
  std::map<std::string, NodeView> nodes_;
  std::string selected_;
  std::string preferred_;
  std::map<std::string, v1::History> pending_histories_;
  std::optional<ActionOrder> pending_action_;
  ReplayControl replay_;
};

}  // namespace beamscope::gui
