// attach: preflight (OTP release, agent not already there), then
//   code:add_pathz(Ebin)         -- only so code:priv_dir(beamscope) finds the
//                                   build's priv/ for the NIF; removed at detach
//   application:load(beamscope)  -- the .app from that ebin
//   application:set_env(...)     -- overrides and the record detach reads
//   code:load_binary/3 per beam  -- the bytes this ctl read, NIF module last
//   application:start(beamscope)
// and a rollback of all of it when any step fails.
#include "attach/attach_plan.hpp"

#include <nlohmann/json.hpp>

#include "attach/agent_dir.hpp"
#include "attach/link_setup.hpp"
#include "attach/node_facts.hpp"
#include "attach/unload.hpp"

namespace beamscope::cli::attach {

namespace {

constexpr int kExitFailure = 1;

struct Attacher {
  const AttachOptions& opts;
  NodeLink& link;
  AgentDir agent;
  std::string node;  ///< resolved NAME@HOST, for messages
  std::string error;
  bool path_added = false, app_loaded = false;
  std::vector<std::string> loaded;

  std::optional<Term> call(const std::string& m, const std::string& f, std::vector<Term> args) {
    return checked_call(link, m, f, args, opts.link.call_timeout_ms, error);
  }

  /// Why the agent must not be attached here, or "" when it may.
  int preflight(std::string& why) {
    auto release = call("erlang", "system_info", {Term::atom("otp_release")});
    std::string node_release;
    if (!release || !release->as_text(node_release)) return kExitFailure;
    if (node_release != agent.otp_release) {
      why = "node " + link_node() + " runs OTP " + node_release + " but the agent in " + agent.root +
            " was built for OTP " + agent.otp_release +
            " (its beams and NIF would not load safely); rebuild beamscope with OTP " + node_release;
      return kExitFailure;
    }
    auto running = call("application", "which_applications", {});
    if (!running) return kExitFailure;
    for (const auto& app : running->elements())
      if (app.kind == Term::Kind::Tuple && !app.items.empty() && app.items[0].is_atom("beamscope")) {
        why = "beamscope is already running in " + link_node() + " (" + to_text(app) +
              "); nothing changed. Detach first to attach another build";
        return kExitAlreadyRunning;
      }
    auto lib = call("code", "lib_dir", {Term::atom("beamscope")});
    if (!lib) return kExitFailure;
    std::string lib_dir;
    if (lib->as_text(lib_dir)) {
      why = "the node's code path already has a beamscope application at " + lib_dir +
            " (embedded in its release, not running): start it with "
            "application:ensure_all_started(beamscope); nothing changed";
      return kExitAlreadyRunning;
    }
    auto apps = call("application", "loaded_applications", {});
    if (!apps) return kExitFailure;
    for (const auto& app : apps->elements())
      if (app.kind == Term::Kind::Tuple && !app.items.empty() && app.items[0].is_atom("beamscope")) {
        why = "beamscope is loaded but not running in " + link_node() +
              " (a failed start?); run detach, then attach again; nothing changed";
        return kExitAlreadyRunning;
      }
    return 0;
  }

  std::string link_node() const { return node; }

  bool set_env(const std::string& key, Term value) {
    return call("application", "set_env", {Term::atom("beamscope"), Term::atom(key), std::move(value)})
        .has_value();
  }

  bool load(const NodeBaseline& base) {
    auto added = call("code", "add_pathz", {Term::str(agent.ebin)});
    if (!added) return false;
    if (!added->is_atom("true")) {
      error = "code:add_pathz(" + agent.ebin + ") returned " + to_text(*added);
      return false;
    }
    path_added = true;
    auto app = call("application", "load", {Term::atom("beamscope")});
    if (!app) return false;
    if (!app->is_atom("ok")) {
      error = "application:load(beamscope) returned " + to_text(*app);
      return false;
    }
    app_loaded = true;
    // What detach needs to undo our changes and to check the node is as before.
    const Term record = Term::list({
        Term::tuple({Term::atom("code_path"), Term::str(agent.ebin)}),
        Term::tuple({Term::atom("os_pid"), Term::integer_of(base.os_pid)}),
        Term::tuple({Term::atom("threads"), Term::integer_of(base.threads)}),
        Term::tuple({Term::atom("system_monitor"), Term::str(base.system_monitor)}),
        Term::tuple({Term::atom("scheduler_wall_time"), Term::atom(base.scheduler_wall_time ? "true" : "false")}),
    });
    if (!set_env("attached", record)) return false;
    if (!opts.stream.empty() && !set_env("stream_endpoint", Term::str(opts.stream))) return false;
    if (!opts.metrics.empty() &&
        !set_env("metrics_listen", opts.metrics == "disabled" ? Term::atom("disabled") : Term::str(opts.metrics)))
      return false;
    return load_modules();
  }

  bool load_modules() {
    for (const auto& m : agent.modules) {
      if (m.name == "beamscope_nif" && !nif_readable()) return false;
      auto r = call("code", "load_binary", {Term::atom(m.name), Term::str(m.path), Term::bin(m.bytes)});
      if (!r) return false;
      if (!r->is_tagged("module", 2)) {
        error = m.name == "beamscope_nif"
                    ? "the NIF " + agent.nif_path + " cannot be loaded in the node (beamscope_nif on_load: " +
                          to_text(*r) + "; the node's log has erlang:load_nif's reason)"
                    : "code:load_binary(" + m.name + ") returned " + to_text(*r);
        return false;
      }
      loaded.push_back(m.name);
    }
    return true;
  }

  /// The node, not this ctl, opens the .so: check it can read it.
  bool nif_readable() {
    auto info = call("file", "read_file_info", {Term::str(agent.nif_path)});
    if (!info) return false;
    if (info->is_tagged("ok", 2)) return true;
    error = "the NIF cannot load: the node cannot read " + agent.nif_path + " (" + to_text(*info) + ")";
    return false;
  }

  void rollback() {
    std::string ignored;
    undo_attach(link, opts.link.call_timeout_ms, loaded, app_loaded, path_added ? agent.ebin : "", ignored);
  }
};

std::string env_text(NodeLink& link, int timeout, const char* key) {
  std::string error, text;
  auto v = checked_call(link, "application", "get_env", {Term::atom("beamscope"), Term::atom(key)}, timeout, error);
  if (v && v->is_tagged("ok", 2) && v->items[1].as_text(text)) return text;
  return {};
}

}  // namespace

int run_attach(const AttachOptions& opts, std::ostream& out, std::ostream& err) {
  AgentDir agent;
  std::string error;
  if (!load_agent_dir(opts.agent_dir.empty() ? default_agent_dir() : opts.agent_dir, agent, error)) {
    err << "beamscope-ctl: attach: " << error << "\n";
    return kExitFailure;
  }
  NodeLink link;
  std::string node_name;
  if (const int rc = open_link("attach", opts.link, link, node_name, err); rc != 0) return rc;
  Attacher run{opts, link, std::move(agent), node_name, {}, false, false, {}};

  std::string why;
  if (const int rc = run.preflight(why); rc != 0) {
    err << "beamscope-ctl: attach: " << (why.empty() ? run.error : why) << "\n";
    return rc;
  }
  NodeBaseline base;
  if (!read_baseline(run.link, opts.link.call_timeout_ms, base, run.error) || !run.load(base)) {
    err << "beamscope-ctl: attach: " << run.error << "; nothing left in the node\n";
    run.rollback();
    return kExitFailure;
  }
  auto started = run.call("application", "start", {Term::atom("beamscope")});
  if (!started || !started->is_atom("ok")) {
    err << "beamscope-ctl: attach: the agent did not start in " << node_name << ": "
        << (started ? to_text(*started) : run.error) << "; nothing left in the node\n";
    run.rollback();
    return kExitFailure;
  }
  const std::string stream = env_text(run.link, opts.link.call_timeout_ms, "stream_endpoint");
  const std::string metrics = env_text(run.link, opts.link.call_timeout_ms, "metrics_listen");
  const std::string metrics_url = metrics.empty() ? "disabled" : "http://" + metrics + "/metrics";
  if (opts.link.json) {
    out << nlohmann::json{{"node", node_name},          {"attached", true},
                          {"stream", stream},           {"metrics", metrics_url},
                          {"otp_release", run.agent.otp_release}, {"agent_dir", run.agent.root},
                          {"modules", run.loaded.size()}}
               .dump()
        << "\n";
  } else {
    out << "attached beamscope to " << node_name << " (OTP " << run.agent.otp_release << ", "
        << run.loaded.size() << " modules from " << run.agent.root << ")\n"
        << "  stream:  " << stream << "\n"
        << "  metrics: " << metrics_url << "\n"
        << "detach with: beamscope-ctl detach --node " << node_name << "\n";
  }
  return 0;
}

}  // namespace beamscope::cli::attach
