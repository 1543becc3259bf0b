// What beamscope-ctl prints, as JSON documents (field names are a contract,
// see cli/README-json.md) and as human-readable text. No I/O here beyond
// the stream handed in, so every function is unit-testable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "beamscope/protocol/node_model.hpp"
#include "beamscope/recording/info.hpp"

namespace beamscope::cli {

/// The stable name of a sort key, as accepted by `top --by`.
std::string sort_key_name(protocol::SortKey key);

/// One process of the hot set.
nlohmann::json process_json(const protocol::ProcessSample& p);

/// `overview`: identity, gauges, mailbox histogram, sweep and agent stats.
/// `timestamp_us` is the producer time of the state (NodeModel::updated_us).
nlohmann::json overview_json(const protocol::Keyframe& kf, std::int64_t timestamp_us);

/// `top`: {node, by, limit, timestamp_us, hot_processes, processes: [...]}.
nlohmann::json top_json(const std::string& node, protocol::SortKey by, std::size_t limit, std::int64_t timestamp_us,
                        std::size_t hot_processes, const std::vector<protocol::ProcessSample>& processes);

/// snake_case names of protocol enums: "supervisor", "child_terminated".
std::string tree_kind_name(protocol::TreeNode::Kind kind);
std::string event_kind_name(v1::Event::Kind kind);

/// One supervision tree entry, flat (`children` empty), every field present.
nlohmann::json tree_node_json(const protocol::TreeNode& n);

/// `tree`: {node, timestamp_us, tree_stats, entries, applications: [nested], unplaced: [flat]}.
nlohmann::json tree_json(const std::string& node, std::int64_t timestamp_us, const protocol::Keyframe& kf);

/// One event.
nlohmann::json event_json(const v1::Event& e);

/// `events`: {node, timestamp_us, events_kept, events: [...]}, oldest first,
/// the newest `limit` (0: all kept).
nlohmann::json events_json(const std::string& node, std::int64_t timestamp_us, const protocol::Keyframe& kf,
                           std::size_t limit);

/// Names of ChildrenRequest orders, as `children --by` takes them:
/// "supervisor", "mailbox", "memory", "reductions".
std::string children_order_name(v1::ChildrenRequest::Order order);
bool parse_children_order(const std::string& name, v1::ChildrenRequest::Order& out);

/// `children`: {node, supervisor_id, offset, total, order, children: [tree entries]}.
nlohmann::json children_json(const std::string& node, const v1::ChildrenPage& page);

/// `ps`: {node, sort, ascending, filter, application, min_mailbox, offset,
/// limit, total, swept, sweep_age_ms, slow_age_ms, gc_known, gc_age_ms,
/// processes: [...]} (cli/README-json.md).
nlohmann::json processes_page_json(const std::string& node, const v1::ProcessesRequest& req,
                                   const v1::ProcessesPage& page);
/// `proc PID`: every ProcessDetail field, memory_bytes null when guarded.
nlohmann::json process_detail_json(const std::string& node, const v1::ProcessDetail& d);
/// An action (`gc`, `kill`, `suspend`, `resume`, `proc --state|--messages`).
nlohmann::json action_result_json(const std::string& node, const v1::ActionResult& r);
/// One alert (protocol/alerts.hpp's vocabulary), every field present.
nlohmann::json alert_json(const v1::Alert& a);
/// `alerts`: {node, timestamp_us, omitted, alerts: [...]}, most severe first.
nlohmann::json alerts_json(const std::string& node, std::int64_t timestamp_us, const protocol::Keyframe& kf);
void print_alerts_text(std::ostream& out, const std::string& node, const protocol::Keyframe& kf);

/// Serializes a document; invalid UTF-8 (odd names) becomes U+FFFD, never an exception.
std::string dump_json(const nlohmann::json& doc);

/// The same content for people.
void print_overview_text(std::ostream& out, const protocol::Keyframe& kf, std::int64_t timestamp_us);
void print_top_text(std::ostream& out, const std::string& node, protocol::SortKey by,
                    const std::vector<protocol::ProcessSample>& processes);
void print_tree_text(std::ostream& out, const std::string& node, const protocol::Keyframe& kf);
void print_children_text(std::ostream& out, const std::string& node, const v1::ChildrenPage& page);
void print_processes_text(std::ostream& out, const std::string& node, const v1::ProcessesPage& page);
void print_process_detail_text(std::ostream& out, const std::string& node, const v1::ProcessDetail& d);
void print_action_text(std::ostream& out, const std::string& node, const v1::ActionResult& r);
void print_events_text(std::ostream& out, const std::string& node, const protocol::Keyframe& kf, std::size_t limit);

/// `recording info`: {file, format_version, first, last, frames, stream_bytes, file_bytes, nodes: [...], damage}.
nlohmann::json recording_info_json(const std::string& file, const recording::RecordingInfo& info);
void print_recording_info_text(std::ostream& out, const std::string& file, const recording::RecordingInfo& info);

}  // namespace beamscope::cli
