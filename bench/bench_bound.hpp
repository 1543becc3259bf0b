// A benchmark's bound, printed and judged the same way by every C++
// benchmark (bench/bounds.py is the Python side): "bound WHAT: VALUE OP
// LIMIT (met|MISSED)"; 1 when missed.
#pragma once

#include <cstdio>

namespace beamscope::bench {

inline int bound(const char* what, double value, const char* op, double limit) {
  const bool met = op[0] == '<' ? value <= limit : value >= limit;
  std::printf("bound %s: %.3f %s %.3f (%s)\n", what, value, op, limit, met ? "met" : "MISSED");
  return met ? 0 : 1;
}

}  // namespace beamscope::bench
