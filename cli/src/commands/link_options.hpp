// The options attach and detach share: which node, which cookie, how long.
#pragma once

#include <CLI/CLI.hpp>

#include "attach/attach_plan.hpp"

namespace beamscope::cli {

inline void add_link_options(CLI::App& sub, attach::LinkOptions& o) {
  sub.add_option("--node", o.node, "NAME@HOST, or NAME for this host's short name (erl -sname)")->required();
  sub.add_option("--cookie", o.cookie, "the node's cookie");
  sub.add_option("--cookie-file", o.cookie_file, "file whose first line is the cookie (default ~/.erlang.cookie)");
  sub.add_option("--connect-timeout-ms", o.connect_timeout_ms, "epmd lookup and handshake, in total")
      ->check(CLI::Range(100, 60000))
      ->capture_default_str();
  sub.add_option("--call-timeout-ms", o.call_timeout_ms, "each call into the node")
      ->check(CLI::Range(100, 600000))
      ->capture_default_str();
}

}  // namespace beamscope::cli
