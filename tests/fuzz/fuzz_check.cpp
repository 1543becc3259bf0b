// FUZZ_CHECK's failure: print what broke, then abort so libFuzzer keeps the input.
#include <cstdio>
#include <cstdlib>

#include "fuzz_chunks.hpp"

namespace beamscope::fuzz {

void check_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "FUZZ_CHECK failed: %s at %s:%d\n", what, file, line);
  std::abort();
}

}  // namespace beamscope::fuzz
