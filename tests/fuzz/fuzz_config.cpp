// The collector's configuration (collector/src/options.cpp) and the
// /metrics auth file (exporters/prometheus metrics_http.cpp, read by the
// agent and the collector). The input is split at NUL bytes into a
// command line (after "beamscope-collector") and, whole, written as an
// auth file and given to the small parsers (agent spec, metrics address,
// endpoint). Checked: an accepted command line passes validate() with one
// server key slot per agent and only valid endpoints; an accepted agent
// spec prints back to itself; an accepted auth file is user:password of
// its first line; nothing throws.
#include <cstdint>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "beamscope/collector/options.hpp"
#include "beamscope/exporters/metrics_http.hpp"
#include "beamscope/transport/endpoint.hpp"
#include "fuzz_chunks.hpp"
#include "fuzz_temp_file.hpp"

using namespace beamscope;

namespace {

constexpr std::size_t kMaxArgs = 24;

void check_command_line(const std::string& text) {
  std::vector<std::string> args{"beamscope-collector"};
  std::size_t start = 0;
  while (args.size() < kMaxArgs && start <= text.size()) {
    auto end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    args.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  collector::CollectorOptions opts;
  auto exit_code = collector::parse_command_line(static_cast<int>(argv.size()), argv.data(), opts);
  if (exit_code) return;
  FUZZ_CHECK(!collector::validate(opts));
  FUZZ_CHECK(!opts.agents.empty() && opts.agents.size() == opts.agent_server_keys.size());
  for (const auto& agent : opts.agents) FUZZ_CHECK(!transport::check_endpoint(agent, false));
  FUZZ_CHECK(!transport::check_endpoint(opts.listen, true));
  FUZZ_CHECK(!collector::check_metrics_address(opts.metrics));
}

void check_small_parsers(const std::string& text) {
  std::string endpoint, key;
  if (!collector::parse_agent_spec(text, endpoint, key))
    FUZZ_CHECK((key.empty() ? endpoint : endpoint + ",server-key=" + key) == text);
  if (!collector::check_metrics_address(text)) {
    const auto colon = text.rfind(':');
    FUZZ_CHECK(text == "none" || (colon != std::string::npos && colon > 0 && colon + 1 < text.size()));
  }
  for (bool bind : {false, true})
    if (!transport::check_endpoint(text, bind)) FUZZ_CHECK(text.find("://") != std::string::npos);
  (void)transport::is_loopback(text);
}

void check_auth_file(fuzz::TempFile& file, const std::string& text) {
  exporters::MetricsHttpOptions opts;
  if (exporters::read_auth_file(file.path(), opts)) return;
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  FUZZ_CHECK(!opts.auth_user.empty() && !opts.auth_password.empty());
  FUZZ_CHECK(opts.auth_user.find(':') == std::string::npos);
  FUZZ_CHECK(opts.auth_user + ":" + opts.auth_password == line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // CLI11 prints usage and errors: keep the fuzzer's output readable.
  static std::ostringstream sink;
  static const bool quiet = [] {
    std::cout.rdbuf(sink.rdbuf());
    std::cerr.rdbuf(sink.rdbuf());
    return true;
  }();
  (void)quiet;
  sink.str({});
  static fuzz::TempFile file("beamscope_fuzz_config");
  const std::string text(reinterpret_cast<const char*>(data), size);
  check_command_line(text);
  check_small_parsers(text);
  if (file.write(data, size)) check_auth_file(file, text);
  return 0;
}
