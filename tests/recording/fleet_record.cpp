// Writes a generated fleet's recording, for tests that need a long one
// (the GUI's replay test: more than the charts' hour) without recording
// for an hour:  fleet_record OUT SECONDS [NODES]
#include <cstdio>
#include <string>

#include "beamscope/recording/writer.hpp"
#include "fleet_gen.hpp"

int main(int argc, char** argv) {
  using namespace beamscope;
  if (argc < 3) {
    std::fprintf(stderr, "usage: fleet_record OUT SECONDS [NODES]\n");
    return 2;
  }
  const int seconds = std::stoi(argv[2]);
  testing::FleetGen gen({.nodes = argc > 3 ? std::stoi(argv[3]) : 2, .hot = 20, .tree = 10});
  std::string error;
  auto writer = recording::Writer::open(argv[1], {}, error);
  if (!writer) {
    std::fprintf(stderr, "fleet_record: %s\n", error.c_str());
    return 1;
  }
  for (int s = 0; s < seconds; ++s)
    for (const auto& env : gen.tick()) writer->append(env, gen.now_us());
  writer->close();
  std::printf("%s: %d s of %d nodes, %llu bytes\n", argv[1], seconds, gen.options().nodes,
              static_cast<unsigned long long>(writer->stats().file_bytes));
  return 0;
}
