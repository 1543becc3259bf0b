// The agent as it sits on disk: an OTP application directory
// (ebin/*.beam, ebin/beamscope.app, priv/beamscope_nif.so) and the OTP
// release it was built for. Attach reads the beams from here and sends
// them to the node; nothing is copied into the node's release.
#pragma once

#include <string>
#include <vector>

namespace beamscope::cli::attach {

struct AgentModule {
  std::string name;   ///< module atom, e.g. beamscope_sampler
  std::string path;   ///< absolute .beam path (what code:which/1 will say)
  std::string bytes;  ///< the .beam file
};

struct AgentDir {
  std::string root;         ///< absolute app dir
  std::string ebin;         ///< root/ebin
  std::string nif_path;     ///< root/priv/beamscope_nif.so
  std::string otp_release;  ///< from priv/beamscope_build.eterm, else this build's
  std::vector<AgentModule> modules;  ///< sorted, beamscope_nif last
};

/// The default agent dir: next to this executable (bin/../erlang/beamscope),
/// else the build tree this ctl was configured in.
std::string default_agent_dir();

/// Reads the app dir; false and `error` when it is not a usable agent.
bool load_agent_dir(const std::string& root, AgentDir& out, std::string& error);

}  // namespace beamscope::cli::attach
