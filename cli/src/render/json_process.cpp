// The JSON shape of one process, shared by `top` (and later `proc`).
#include "render.hpp"

namespace beamscope::cli {

std::string sort_key_name(protocol::SortKey key) {
  switch (key) {
    case protocol::SortKey::kMailbox: return "mailbox";
    case protocol::SortKey::kMemory: return "memory";
    case protocol::SortKey::kReductions: return "reductions";
    case protocol::SortKey::kMinorGcs: return "gc";
  }
  return "unknown";
}

nlohmann::json process_json(const protocol::ProcessSample& p) {
  // `name` is what a person would call the process: its registered name,
  // else its initial call; both raw fields stay available.
  const std::string& name = p.registered_name().empty() ? p.initial_call() : p.registered_name();
  return nlohmann::json{
      {"pid", p.pid()},
      {"name", name},
      {"registered_name", p.registered_name()},
      {"initial_call", p.initial_call()},
      {"current_function", p.current_function()},
      {"status", p.status()},
      {"application", p.application()},
      {"message_queue_len", p.message_queue_len()},
      {"memory_bytes", p.memory_bytes()},
      {"memory_guarded", p.memory_guarded()},
      {"reductions", p.reductions()},
      {"reductions_per_s", p.reductions_per_s()},
      {"heap_size_words", p.heap_size_words()},
      {"total_heap_size_words", p.total_heap_size_words()},
      {"stack_size_words", p.stack_size_words()},
      {"minor_gcs", p.minor_gcs()},
      {"mailbox_growth_per_s", p.mailbox_growth_per_s()},
      {"seconds_to_threshold", p.seconds_to_threshold()},
  };
}

std::string dump_json(const nlohmann::json& doc) {
  return doc.dump(2, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

}  // namespace beamscope::cli
