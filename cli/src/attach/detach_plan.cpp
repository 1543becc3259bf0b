// detach: stop the agent, undo what attach did (modules, application,
// code path), then check the node is as attach found it: no modules,
// processes, registered names or logger handlers of ours, system_monitor
// and scheduler_wall_time as before, no extra OS threads, ports closed.
#include <chrono>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "attach/attach_plan.hpp"
#include "attach/link_setup.hpp"
#include "attach/node_facts.hpp"
#include "attach/unload.hpp"

namespace beamscope::cli::attach {

namespace {

struct Record {  // application:get_env(beamscope, attached), written by attach
  bool present = false;
  std::string code_path, system_monitor;
  long long os_pid = 0;
  int threads = -1;
  bool scheduler_wall_time = false;
};

Record read_record(const Term& env) {
  Record r;
  if (!env.is_tagged("ok", 2)) return r;
  r.present = true;
  for (const auto& kv : env.items[1].elements()) {
    if (kv.kind != Term::Kind::Tuple || kv.items.size() != 2) continue;
    const auto& key = kv.items[0].text;
    const auto& v = kv.items[1];
    if (key == "code_path") v.as_text(r.code_path);
    if (key == "system_monitor") v.as_text(r.system_monitor);
    if (key == "os_pid") r.os_pid = v.integer;
    if (key == "threads") r.threads = static_cast<int>(v.integer);
    if (key == "scheduler_wall_time") r.scheduler_wall_time = v.is_atom("true");
  }
  return r;
}

bool has_app(const std::optional<Term>& apps) {
  if (!apps) return false;
  for (const auto& a : apps->elements())
    if (a.kind == Term::Kind::Tuple && !a.items.empty() && a.items[0].is_atom("beamscope")) return true;
  return false;
}

std::string tcp_host_port(const std::string& endpoint) {
  const std::string prefix = "tcp://";
  if (endpoint.rfind(prefix, 0) == 0) return endpoint.substr(prefix.size());
  return endpoint.find("://") == std::string::npos ? endpoint : std::string();
}

struct Detacher {
  const LinkOptions& opts;
  NodeLink& link;
  std::string error;
  std::set<std::string> ours;  ///< module names (and registered names) of the agent

  std::optional<Term> call(const std::string& m, const std::string& f, std::vector<Term> args = {}) {
    return checked_call(link, m, f, args, opts.call_timeout_ms, error);
  }

  std::string env_text(const char* key) {
    std::string text;
    auto v = call("application", "get_env", {Term::atom("beamscope"), Term::atom(key)});
    if (v && v->is_tagged("ok", 2)) v->items[1].as_text(text);
    return text;
  }

  /// Loaded modules that are ours: named in the .app, or loaded from our ebin.
  std::vector<std::string> loaded_ours(const std::string& code_path) {
    std::vector<std::string> found;
    auto all = call("code", "all_loaded");
    if (!all) return found;
    for (const auto& mf : all->elements()) {
      if (mf.kind != Term::Kind::Tuple || mf.items.size() != 2) continue;
      std::string file;
      mf.items[1].as_text(file);
      const bool from_ebin = !code_path.empty() && file.rfind(code_path + "/", 0) == 0;
      if (from_ebin || ours.count(mf.items[0].text)) found.push_back(mf.items[0].text);
    }
    return found;
  }

  void learn_names() {
    for (const char* key : {"modules", "registered"}) {
      auto v = call("application", "get_key", {Term::atom("beamscope"), Term::atom(key)});
      if (v && v->is_tagged("ok", 2))
        for (const auto& m : v->items[1].elements()) ours.insert(m.text);
    }
  }

  std::vector<std::string> leftovers(const Record& rec, const std::vector<std::string>& endpoints);
};

std::vector<std::string> Detacher::leftovers(const Record& rec, const std::vector<std::string>& endpoints) {
  std::vector<std::string> left;
  if (rec.present && has_app(call("application", "loaded_applications")))
    left.push_back("application beamscope still loaded");
  if (rec.present)
    for (const auto& m : loaded_ours(rec.code_path)) left.push_back("module " + m + " still loaded");
  if (auto names = call("erlang", "registered"))
    for (const auto& n : names->elements())
      if (ours.count(n.text)) left.push_back("registered process " + n.text);
  if (auto handlers = call("logger", "get_handler_config"))
    for (const auto& h : handlers->elements()) {
      std::string id, module;
      for (std::size_t i = 0; h.kind == Term::Kind::Map && i + 1 < h.items.size(); i += 2) {
        if (h.items[i].is_atom("id")) id = h.items[i + 1].text;
        if (h.items[i].is_atom("module")) module = h.items[i + 1].text;
      }
      if (id.rfind("beamscope", 0) == 0 || ours.count(module))
        left.push_back("logger handler " + id + " (" + module + ")");
    }
  if (rec.present) {
    auto monitor = call("erlang", "system_monitor");
    if (monitor && to_text(*monitor) != rec.system_monitor && !monitor->is_atom("undefined"))
      left.push_back("erlang:system_monitor() is " + to_text(*monitor) + ", was " + rec.system_monitor);
    auto swt = call("erlang", "statistics", {Term::atom("scheduler_wall_time")});
    if (swt && !swt->is_atom("undefined") != rec.scheduler_wall_time)
      left.push_back(std::string("scheduler_wall_time is ") + (rec.scheduler_wall_time ? "off" : "on") +
                     ", was " + (rec.scheduler_wall_time ? "on" : "off"));
    if (auto path = call("code", "get_path"))
      for (const auto& p : path->elements()) {
        std::string dir;
        if (p.as_text(dir) && dir == rec.code_path) left.push_back("code path " + dir);
      }
  }
  // Threads are joined by the agent's stop; allow the OS a moment to reap them.
  if (rec.present && rec.threads > 0) {
    int now = thread_count(rec.os_pid);
    for (int i = 0; i < 20 && now > rec.threads; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      now = thread_count(rec.os_pid);
    }
    if (now > rec.threads)
      left.push_back("OS threads: " + std::to_string(now) + " now, " + std::to_string(rec.threads) +
                     " before attach");
  }
  for (const auto& e : endpoints)
    if (!e.empty() && tcp_listening(e)) left.push_back("port " + e + " still accepts connections");
  return left;
}

}  // namespace

int run_detach(const LinkOptions& opts, std::ostream& out, std::ostream& err) {
  NodeLink link;
  std::string node_name;
  if (const int rc = open_link("detach", opts, link, node_name, err); rc != 0) return rc;
  Detacher d{opts, link, {}, {}};
  auto loaded = d.call("application", "loaded_applications");
  auto env = loaded ? d.call("application", "get_env", {Term::atom("beamscope"), Term::atom("attached")})
                    : std::nullopt;
  if (!env) {
    err << "beamscope-ctl: detach: " << d.error << "\n";
    return 1;
  }
  const Record rec = read_record(*env);
  if (!has_app(loaded)) {
    err << "beamscope-ctl: detach: beamscope is not loaded in " << node_name << "; nothing to detach\n";
    return kExitNotAttached;
  }
  d.learn_names();
  const std::vector<std::string> endpoints{tcp_host_port(d.env_text("stream_endpoint")),
                                           tcp_host_port(d.env_text("metrics_listen"))};
  auto stopped = d.call("application", "stop", {Term::atom("beamscope")});
  if (!stopped || !(stopped->is_atom("ok") || stopped->is_tagged("error", 2))) {
    err << "beamscope-ctl: detach: application:stop(beamscope) in " << node_name << ": "
        << (stopped ? to_text(*stopped) : d.error) << "\n";
    return 1;
  }
  std::size_t unloaded = 0;
  if (rec.present) {
    const auto modules = d.loaded_ours(rec.code_path);
    unloaded = modules.size();
    if (!undo_attach(link, opts.call_timeout_ms, modules, true, rec.code_path, d.error))
      err << "beamscope-ctl: detach: " << d.error << "\n";
  }
  const auto left = d.leftovers(rec, endpoints);
  if (opts.json) {
    out << nlohmann::json{{"node", node_name}, {"detached", left.empty()}, {"attached_by_ctl", rec.present},
                          {"modules_unloaded", unloaded}, {"left", left}}
               .dump()
        << "\n";
  } else {
    out << "stopped beamscope in " << node_name;
    if (rec.present)
      out << "; unloaded " << unloaded << " modules and removed " << rec.code_path << " from the code path\n";
    else
      out << "; it is part of the node's release, so its modules stay loaded\n";
    for (const auto& l : left) out << "  left behind: " << l << "\n";
  }
  if (!left.empty()) {
    err << "beamscope-ctl: detach: " << left.size() << " thing(s) of beamscope left in " << node_name << "\n";
    return 1;
  }
  return 0;
}

}  // namespace beamscope::cli::attach
