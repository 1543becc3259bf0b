// beamscope: the desktop inspector. Parses the command line and hands over
// to the run loop; everything else lives in views/ and model/.
#include "inspector_app.hpp"
#include "options.hpp"

int main(int argc, char** argv) {
  beamscope::gui::Options options;
  if (auto code = beamscope::gui::parse_options(argc, argv, options)) return *code;
  return beamscope::gui::run_inspector(options);
}
