// Name and cookie resolution and the connect step shared by attach and detach.
#include "attach/link_setup.hpp"

namespace beamscope::cli::attach {

int open_link(const std::string& command, const LinkOptions& opts, NodeLink& link, std::string& node_name,
              std::ostream& err) {
  const auto node = parse_node_name(opts.node);
  if (!node) {
    err << "beamscope-ctl: " << command << ": bad node name '" << opts.node
        << "' (expected NAME@HOST, or NAME for this host)\n";
    return 2;
  }
  node_name = node->full();
  std::string error;
  const std::string cookie = resolve_cookie(opts.cookie, opts.cookie_file, error);
  if (cookie.empty()) {
    err << "beamscope-ctl: " << command << ": " << error << "\n";
    return 2;
  }
  if (const auto e = link.connect(*node, cookie, opts.connect_timeout_ms); e != LinkError::None) {
    err << "beamscope-ctl: " << command << ": " << link.error() << " [" << link_error_name(e) << "]\n";
    return e == LinkError::BadName ? 2 : 1;
  }
  return 0;
}

}  // namespace beamscope::cli::attach
