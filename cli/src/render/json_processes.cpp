// The `ps`, `proc` and action documents (protocol 1.3 answers).
#include "beamscope/protocol/processes.hpp"
#include "render.hpp"

namespace beamscope::cli {

namespace {

nlohmann::json row_json(const v1::ProcessRow& r, bool gc_known) {
  return nlohmann::json{
      {"pid", r.pid()},
      {"name", r.name()},
      {"registered_name", r.registered_name()},
      {"initial_call", r.initial_call()},
      {"current_function", r.current_function()},
      {"application", r.application()},
      {"message_queue_len", r.message_queue_len()},
      {"mailbox_growth_per_s", r.mailbox_growth_per_s()},
      {"memory_bytes", r.memory_bytes()},
      {"reductions_per_s", r.reductions_per_s()},
      {"minor_gcs", gc_known ? nlohmann::json(r.minor_gcs()) : nlohmann::json(nullptr)},
      {"age_ms", r.age_ms()},
      {"slow_age_ms", r.slow_age_ms()},
      {"slow_known", r.slow_known()},
      {"gone", r.gone()},
  };
}

nlohmann::json strings(const google::protobuf::RepeatedPtrField<std::string>& v) {
  auto out = nlohmann::json::array();
  for (const auto& s : v) out.push_back(s);
  return out;
}

nlohmann::json named(const google::protobuf::RepeatedPtrField<v1::NamedValue>& v) {
  auto out = nlohmann::json::object();
  for (const auto& n : v) out[n.name()] = n.value();
  return out;
}

}  // namespace

nlohmann::json processes_page_json(const std::string& node, const v1::ProcessesRequest& req,
                                   const v1::ProcessesPage& page) {
  auto rows = nlohmann::json::array();
  for (const auto& r : page.rows()) rows.push_back(row_json(r, page.gc_known()));
  return nlohmann::json{
      {"node", node},
      {"sort", std::string(protocol::page_key_name(page.sort()))},
      {"ascending", page.ascending()},
      {"filter", req.name_filter()},
      {"application", req.application()},
      {"min_mailbox", req.min_mailbox()},
      {"offset", page.offset()},
      {"limit", req.limit()},
      {"total", page.total()},
      {"swept", page.swept()},
      {"sweep_age_ms", page.sweep_age_ms()},
      {"slow_age_ms", page.slow_age_ms()},
      {"gc_known", page.gc_known()},
      {"gc_age_ms", page.gc_age_ms()},
      {"processes", std::move(rows)},
  };
}

nlohmann::json process_detail_json(const std::string& node, const v1::ProcessDetail& d) {
  auto stack = nlohmann::json::array();
  for (const auto& f : d.stacktrace())
    stack.push_back(nlohmann::json{{"function", f.function()}, {"file", f.file()}, {"line", f.line()}});
  auto restarts = nlohmann::json::array();
  for (const auto& r : d.recent_restarts())
    restarts.push_back(nlohmann::json{
        {"time_us", r.time_us()}, {"reason", r.reason()}, {"old_pid", r.old_pid()}, {"new_pid", r.new_pid()}});
  return nlohmann::json{
      {"node", node},
      {"pid", d.pid()},
      {"registered_name", d.registered_name()},
      {"label", d.label()},
      {"initial_call", d.initial_call()},
      {"current_function", d.current_function()},
      {"application", d.application()},
      {"tree_id", d.tree_id()},
      {"status", d.status()},
      {"stacktrace", std::move(stack)},
      {"links", strings(d.links())},
      {"links_total", d.links_total()},
      {"monitors", strings(d.monitors())},
      {"monitors_total", d.monitors_total()},
      {"monitored_by", strings(d.monitored_by())},
      {"monitored_by_total", d.monitored_by_total()},
      {"trap_exit", d.trap_exit()},
      {"priority", d.priority()},
      {"message_queue_data", d.message_queue_data()},
      {"group_leader", d.group_leader()},
      {"heap_size_words", d.heap_size_words()},
      {"stack_size_words", d.stack_size_words()},
      {"total_heap_size_words",
       d.memory_guarded() ? nlohmann::json(nullptr) : nlohmann::json(d.total_heap_size_words())},
      {"memory_bytes", d.memory_guarded() ? nlohmann::json(nullptr) : nlohmann::json(d.memory_bytes())},
      {"memory_guarded", d.memory_guarded()},
      {"garbage_collection", named(d.garbage_collection())},
      {"garbage_collection_info", named(d.garbage_collection_info())},
      {"reductions", d.reductions()},
      {"message_queue_len", d.message_queue_len()},
      {"mailbox_growth_per_s", d.mailbox_growth_per_s()},
      {"seconds_to_threshold", d.seconds_to_threshold()},
      {"dictionary_keys", strings(d.dictionary_keys())},
      {"dictionary_size", d.dictionary_size()},
      {"restarts_total", d.restarts_total()},
      {"recent_restarts", std::move(restarts)},
      {"actions_allowed", strings(d.actions_allowed())},
      {"word_size", d.word_size()},
      {"read_at_us", d.read_at_us()},
  };
}

nlohmann::json action_result_json(const std::string& node, const v1::ActionResult& r) {
  nlohmann::json doc{
      {"node", node},
      {"pid", r.pid()},
      {"action", std::string(protocol::action_name(r.action()))},
      {"ok", r.ok()},
      {"refused", r.refused()},
      {"error", r.error()},
  };
  if (r.action() == v1::ActionRequest::STATE) {
    doc["state"] = r.text();
    doc["truncated"] = r.truncated();
  }
  if (r.action() == v1::ActionRequest::MESSAGES) {
    doc["messages"] = strings(r.messages());
    doc["message_queue_len"] = r.message_queue_len();
    doc["truncated"] = r.truncated();
  }
  return doc;
}

}  // namespace beamscope::cli
