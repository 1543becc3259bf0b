// `keygen PATH`: writes PATH.pub and PATH.secret (mode 0600), never over
// existing files. The same pair format serves agents, collectors and viewers.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "beamscope/transport/curve_keys.hpp"
#include "commands/commands.hpp"

namespace beamscope::cli {

Command add_keygen_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  Command c;
  c.sub = app.add_subcommand("keygen", "write a CURVE key pair: PATH.pub (share it) and PATH.secret (mode 0600)");
  c.sub->add_option("path", *path, "where to write, without extension (e.g. /etc/beamscope/agent)")->required();
  c.run = [path](const GlobalOptions& opts) -> int {
    transport::CurveKeyPair pair;
    if (auto err = transport::write_keypair_files(*path, pair)) {
      std::cerr << "beamscope-ctl: keygen: " << *err << "\n";
      return kExitFailure;
    }
    if (opts.json) {
      std::cout << nlohmann::json{{"public_key_file", *path + ".pub"},
                                  {"secret_key_file", *path + ".secret"},
                                  {"public_key", pair.public_key}}
                       .dump()
                << "\n";
    } else {
      std::cout << "wrote " << *path << ".pub (public key " << pair.public_key << ")\n"
                << "wrote " << *path << ".secret (mode 0600: keep it on this machine)\n";
    }
    return kExitOk;
  };
  return c;
}

}  // namespace beamscope::cli
