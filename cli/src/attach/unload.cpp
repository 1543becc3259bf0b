// Module purge, application unload and code path removal in a live node.
#include "attach/unload.hpp"

#include "attach/node_facts.hpp"

namespace beamscope::cli::attach {

bool undo_attach(NodeLink& link, int timeout_ms, const std::vector<std::string>& modules, bool unload_app,
                 const std::string& code_path, std::string& error) {
  std::string first;
  auto step = [&](const std::string& m, const std::string& f, std::vector<Term> args) {
    std::string e;
    auto r = checked_call(link, m, f, args, timeout_ms, e);
    if (!r && first.empty()) first = e;
    return r;
  };
  for (const auto& m : modules) {
    step("code", "purge", {Term::atom(m)});
    step("code", "delete", {Term::atom(m)});
    step("code", "purge", {Term::atom(m)});
  }
  if (unload_app) step("application", "unload", {Term::atom("beamscope")});
  if (!code_path.empty()) step("code", "del_path", {Term::str(code_path)});
  error = first;
  return first.empty();
}

}  // namespace beamscope::cli::attach
