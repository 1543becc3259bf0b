// Reads the agent's application directory from disk.
#include "attach/agent_dir.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <system_error>

#include "attach/build_config.hpp"

namespace beamscope::cli::attach {

namespace fs = std::filesystem;

namespace {

bool read_file(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

}  // namespace

std::string default_agent_dir() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto beside = exe.parent_path().parent_path() / "erlang" / "beamscope";
    if (fs::exists(beside / "ebin" / "beamscope.app", ec)) return beside.string();
    // Installed (cmake --install, the .deb): PREFIX/bin and PREFIX/lib/erlang/lib.
    const auto installed = exe.parent_path().parent_path() / "lib" / "erlang" / "lib" /
                           (std::string("beamscope-") + kAgentVersion);
    if (fs::exists(installed / "ebin" / "beamscope.app", ec)) return installed.string();
  }
  return kBuildAgentDir;
}

bool load_agent_dir(const std::string& root, AgentDir& out, std::string& error) {
  std::error_code ec;
  const fs::path dir = fs::absolute(root, ec).lexically_normal();
  const fs::path ebin = dir / "ebin";
  if (!fs::exists(ebin / "beamscope.app", ec)) {
    error = "no agent at " + dir.string() + " (expected ebin/beamscope.app; build it or give --agent-dir)";
    return false;
  }
  out.root = dir.string();
  out.ebin = ebin.string();
  out.nif_path = (dir / "priv" / "beamscope_nif.so").string();
  out.otp_release = kBuildOtpRelease;
  std::string stamp;
  if (read_file(dir / "priv" / "beamscope_build.eterm", stamp)) {
    static const std::regex release(R"(\{\s*otp_release\s*,\s*"([^"]+)\"\s*\})");
    std::smatch m;
    if (std::regex_search(stamp, m, release)) out.otp_release = m[1];
  }
  out.modules.clear();
  for (const auto& entry : fs::directory_iterator(ebin, ec)) {
    if (entry.path().extension() != ".beam") continue;
    AgentModule m{entry.path().stem().string(), entry.path().string(), {}};
    if (!read_file(entry.path(), m.bytes)) {
      error = "cannot read " + m.path;
      return false;
    }
    out.modules.push_back(std::move(m));
  }
  if (ec) {
    error = "cannot list " + ebin.string() + ": " + ec.message();
    return false;
  }
  // Sorted for a stable order; the NIF module last, so that when its
  // on_load fails everything else has loaded and the error is the NIF's.
  std::sort(out.modules.begin(), out.modules.end(), [](const AgentModule& a, const AgentModule& b) {
    const bool an = a.name == "beamscope_nif", bn = b.name == "beamscope_nif";
    return an != bn ? bn : a.name < b.name;
  });
  if (out.modules.empty()) {
    error = "no .beam files in " + ebin.string();
    return false;
  }
  return true;
}

}  // namespace beamscope::cli::attach
