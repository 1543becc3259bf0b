// beamscope-collector: many agents in, one stream and one fleet /metrics out.
//   beamscope-collector --agent tcp://10.0.0.5:9755 --agent tcp://10.0.0.6:9755
#include "beamscope/collector/collector_app.hpp"
#include "beamscope/collector/options.hpp"

int main(int argc, char** argv) {
  beamscope::collector::CollectorOptions opts;
  if (auto code = beamscope::collector::parse_command_line(argc, argv, opts)) return *code;
  return beamscope::collector::run_collector(opts);
}
