// The attach C node: resolves a node name, checks epmd, connects to the
// node over Erlang distribution as a hidden node (erl_interface `ei`) and
// makes rpc calls with a deadline. Every failure is classified, so the
// user reads which one it was: epmd down, node not running, wrong cookie.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attach/term.hpp"

namespace beamscope::cli::attach {

/// Why a connection could not be made.
enum class LinkError {
  None,
  BadName,       ///< node name not NAME@HOST, or HOST does not resolve
  NoEpmd,        ///< nothing listens on HOST's epmd port
  NodeNotRunning,///< epmd answers but does not know NAME
  Refused,       ///< handshake rejected: wrong cookie
  Timeout,       ///< no answer within the deadline
  Other,
};

struct NodeAddress {
  std::string alive;  ///< NAME
  std::string host;   ///< HOST as given or the local short host name
  std::string full() const { return alive + "@" + host; }
  bool long_name() const { return host.find('.') != std::string::npos; }
};

/// Parses NAME@HOST or a bare NAME (the local host's short name, as
/// `erl -sname NAME` uses). Empty on a malformed name.
std::optional<NodeAddress> parse_node_name(const std::string& text);

/// The local host name cut at the first dot (what `erl -sname` uses).
std::string local_short_host();

/// Reads the cookie: `cookie` if set, else the first line of
/// `cookie_file`, else ~/.erlang.cookie. Empty and `error` set on failure.
std::string resolve_cookie(const std::string& cookie, const std::string& cookie_file,
                           std::string& error);

/// One connection to one node; closes on destruction.
class NodeLink {
 public:
  NodeLink() = default;
  ~NodeLink();
  NodeLink(const NodeLink&) = delete;
  NodeLink& operator=(const NodeLink&) = delete;

  /// Checks epmd, then connects within `timeout_ms` in total.
  LinkError connect(const NodeAddress& node, const std::string& cookie, int timeout_ms);
  /// What went wrong, in words that name the node, host or port.
  const std::string& error() const { return error_; }

  /// rpc:call(Module, Function, Args) on the node within `timeout_ms`.
  /// Empty on a transport failure or timeout (error() says which); a
  /// remote exception comes back as the term {badrpc, Reason}.
  std::optional<Term> call(const std::string& module, const std::string& function,
                           const std::vector<Term>& args, int timeout_ms);

 private:
  LinkError probe_epmd(const NodeAddress& node, int timeout_ms);

  struct State;
  State* state_ = nullptr;
  int fd_ = -1;
  std::string node_;
  std::string error_;
};

/// A readable name of a LinkError (for tests and JSON).
const char* link_error_name(LinkError e);

}  // namespace beamscope::cli::attach
