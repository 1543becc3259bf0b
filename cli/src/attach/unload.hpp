// Undoing what attach did to a node: purge and delete modules, unload the
// application, remove the code path. Used by attach's rollback and detach.
#pragma once

#include <string>
#include <vector>

#include "attach/node_link.hpp"

namespace beamscope::cli::attach {

/// Purges and deletes `modules` (code:purge, code:delete, code:purge: the
/// second purge drops the old code, killing any process still in it),
/// unloads the application when `unload_app`, and removes `code_path`
/// unless empty. Best effort: every step runs; false and `error` name the
/// first that failed.
bool undo_attach(NodeLink& link, int timeout_ms, const std::vector<std::string>& modules, bool unload_app,
                 const std::string& code_path, std::string& error);

}  // namespace beamscope::cli::attach
