// `proc PID [--state | --messages N]`: one process in detail, read by the
// agent on demand; --state and --messages are actions (off unless the
// agent's allow_actions names them).
#include <iostream>
#include <memory>

#include "beamscope/protocol/processes.hpp"
#include "commands/commands.hpp"
#include "render/render.hpp"
#include "queries.hpp"

namespace beamscope::cli {
namespace {

struct ProcOptions {
  std::string pid;
  bool state = false;
  std::uint32_t messages = 0;
};

// Prints an action's result; the exit code says whether it was done.
int print_result(const GlobalOptions& global, const std::string& node, const v1::ActionResult& r) {
  if (global.json) std::cout << dump_json(action_result_json(node, r)) << "\n";
  else print_action_text(std::cout, node, r);
  if (!r.ok() && !global.json) std::cerr << "beamscope-ctl: " << node << ": " << r.error() << "\n";
  return r.ok() ? kExitOk : kExitFailure;
}

}  // namespace

int run_action(const GlobalOptions& global, v1::ActionRequest request) {
  int exit_code = kExitOk;
  auto result = query_action(global, std::move(request), exit_code);
  if (!result) return exit_code;
  return print_result(global, result->node, result->answer);
}

Command add_proc_command(CLI::App& app) {
  auto opts = std::make_shared<ProcOptions>();
  Command c;
  c.sub = app.add_subcommand("proc", "one process in detail (stack, links, monitors, GC, mailbox), asked of the agent");
  c.sub->add_option("pid", opts->pid, "the process, as <0.123.0>")->required();
  auto* state = c.sub->add_flag("--state", opts->state, "its state (sys:get_state/2; needs allow_actions state)");
  c.sub->add_option("--messages", opts->messages, "its first N queued messages (needs allow_actions messages)")
      ->check(CLI::Range(1, 100))
      ->excludes(state);
  c.run = [opts](const GlobalOptions& global) -> int {
    if (opts->state || opts->messages > 0) {
      v1::ActionRequest req;
      req.set_pid(opts->pid);
      req.set_action(opts->state ? v1::ActionRequest::STATE : v1::ActionRequest::MESSAGES);
      req.set_count(opts->messages);
      return run_action(global, std::move(req));
    }
    int exit_code = kExitOk;
    auto detail = query_process(global, opts->pid, exit_code);
    if (!detail) return exit_code;
    if (global.json)
      std::cout << dump_json(process_detail_json(detail->node, detail->answer)) << "\n";
    else
      print_process_detail_text(std::cout, detail->node, detail->answer);
    return kExitOk;
  };
  return c;
}

Command add_action_command(CLI::App& app, v1::ActionRequest::Action action, const std::string& help) {
  auto pid = std::make_shared<std::string>();
  Command c;
  c.sub = app.add_subcommand(std::string(protocol::action_name(action)), help);
  c.sub->add_option("pid", *pid, "the process, as <0.123.0>")->required();
  c.run = [pid, action](const GlobalOptions& global) -> int {
    v1::ActionRequest req;
    req.set_pid(*pid);
    req.set_action(action);
    return run_action(global, std::move(req));
  };
  return c;
}

}  // namespace beamscope::cli
