// Prints one scrape of sample keyframes (a fleet of two nodes with awkward
// names when given --fleet) for `promtool check metrics` to lint.
#include <iostream>
#include <string>

#include "beamscope/exporters/node_collectable.hpp"
#include "exposition.hpp"
#include "sample_keyframe.hpp"

int main(int argc, char** argv) {
  using namespace beamscope;
  const bool fleet = argc > 1 && std::string(argv[1]) == "--fleet";
  std::vector<std::shared_ptr<const v1::Keyframe>> snaps;
  auto a = testing::sample_keyframe("a@host", 50);
  *a.add_processes() = testing::awkward_process();
  snaps.push_back(std::make_shared<const v1::Keyframe>(a));
  if (fleet) snaps.push_back(std::make_shared<const v1::Keyframe>(testing::sample_keyframe("b\"@host\n", 50)));
  auto c = exporters::make_node_collectable([&] { return snaps; }, {.label_node = fleet});
  std::cout << testing::scrape(*c);
  return 0;
}
