// `ps`, `proc` and actions for people.
#include <fmt/format.h>

#include "beamscope/protocol/processes.hpp"
#include "render.hpp"

namespace beamscope::cli {

void print_processes_text(std::ostream& out, const std::string& node, const v1::ProcessesPage& page) {
  out << fmt::format("{}: processes {}..{} of {} matching ({} swept), by {}{}; sweep {} ms ago, memory and "
                     "reductions {} ms ago\n",
                     node, page.offset(), page.offset() + static_cast<std::uint32_t>(page.rows_size()), page.total(),
                     page.swept(), protocol::page_key_title(page.sort()), page.ascending() ? " (ascending)" : "",
                     page.sweep_age_ms(), page.slow_age_ms());
  if (page.sort() == v1::ProcessesRequest::MINOR_GCS && !page.gc_known())
    out << "minor GCs are read by the next slow sweep of the agent; ask again shortly\n";
  out << fmt::format("{:<16} {:>9} {:>9} {:>11} {:>10} {:>8} {:<14} {}\n", "PID", "MAILBOX", "GROWTH/S",
                     "MEMORY", "REDS/S", "MINORGC", "APPLICATION", "NAME / CURRENT FUNCTION");
  for (const auto& r : page.rows()) {
    const std::string gcs = page.gc_known() ? std::to_string(r.minor_gcs()) : "-";
    out << fmt::format("{:<16} {:>9} {:>9.1f} {:>11} {:>10} {:>8} {:<14} {}{}{}\n", r.pid(), r.message_queue_len(),
                       r.mailbox_growth_per_s(), r.memory_bytes(), r.reductions_per_s(), gcs, r.application(),
                       r.name(), r.current_function().empty() ? "" : "  " + r.current_function(),
                       r.gone() ? "  (gone)" : "");
  }
}

void print_process_detail_text(std::ostream& out, const std::string& node, const v1::ProcessDetail& d) {
  out << fmt::format("{} {} {}\n", node, d.pid(), d.registered_name());
  auto line = [&out](const char* k, const std::string& v) {
    if (!v.empty()) out << fmt::format("  {:<20} {}\n", k, v);
  };
  line("label", d.label());
  line("initial call", d.initial_call());
  line("current function", d.current_function());
  line("application", d.application());
  line("tree", d.tree_id());
  line("status", d.status());
  line("priority", d.priority());
  line("trap_exit", d.trap_exit() ? "true" : "false");
  line("message queue data", d.message_queue_data());
  line("group leader", d.group_leader());
  out << fmt::format("  {:<20} {} ({:+.1f}/s{})\n", "mailbox", d.message_queue_len(), d.mailbox_growth_per_s(),
                     d.seconds_to_threshold() > 0 ? fmt::format(", alarm in {:.0f} s", d.seconds_to_threshold()) : "");
  out << fmt::format("  {:<20} {}\n", "memory",
                     d.memory_guarded() ? std::string("not read (mailbox above mailbox_guard)")
                                        : std::to_string(d.memory_bytes()) + " bytes");
  out << fmt::format("  {:<20} heap {} stack {} total {} words\n", "heap", d.heap_size_words(), d.stack_size_words(),
                     d.memory_guarded() ? std::string("not read") : std::to_string(d.total_heap_size_words()));
  out << fmt::format("  {:<20} {}\n", "reductions", d.reductions());
  for (const auto& g : d.garbage_collection()) line(("gc " + g.name()).c_str(), g.value());
  out << "  stack:\n";
  for (const auto& f : d.stacktrace())
    out << fmt::format("    {}{}\n", f.function(), f.file().empty() ? "" : fmt::format(" ({}:{})", f.file(), f.line()));
  auto list = [&out](const char* k, const auto& v, std::uint32_t total) {
    out << fmt::format("  {} ({}):", k, total);
    for (const auto& s : v) out << " " << s;
    out << "\n";
  };
  list("links", d.links(), d.links_total());
  list("monitors", d.monitors(), d.monitors_total());
  list("monitored by", d.monitored_by(), d.monitored_by_total());
  list("dictionary keys", d.dictionary_keys(), d.dictionary_size());
  if (d.restarts_total() > 0) out << fmt::format("  restarts: {}\n", d.restarts_total());
  list("actions allowed", d.actions_allowed(), static_cast<std::uint32_t>(d.actions_allowed_size()));
}

void print_action_text(std::ostream& out, const std::string& node, const v1::ActionResult& r) {
  out << fmt::format("{} {} {}: {}\n", node, protocol::action_name(r.action()), r.pid(),
                     r.ok() ? "done" : (r.refused() ? "refused" : "failed"));
  if (!r.text().empty()) out << r.text() << "\n";
  for (const auto& m : r.messages()) out << m << "\n";
}

}  // namespace beamscope::cli
