"""The smoke bounds of the Python benchmarks (the Erlang ones have
beamscope_bench_bounds.erl): a ratio far past its goal (a generous bound,
several times the goal, so a noisy shared host does not trip it) fails the
run. Each check prints one line with the measured value and the bound.

    b = Bounds()
    b.at_most("scrape time 100k / 1k", 1.3, 10)
    return b.exit_code()
"""


class Bounds:
    def __init__(self):
        self.missed = []
        self.checked = 0

    def _check(self, what, value, op, limit, met):
        self.checked += 1
        print(f"bound {what}: {value:.3f} {op} {limit:.3f} ({'met' if met else 'MISSED'})")
        if not met:
            self.missed.append(what)

    def at_most(self, what, value, limit):
        self._check(what, value, "<=", limit, value <= limit)

    def at_least(self, what, value, limit):
        self._check(what, value, ">=", limit, value >= limit)

    def exit_code(self):
        """0 when every bound was met, 1 (naming the missed ones) if not."""
        if self.missed:
            print("bounds MISSED: " + ", ".join(self.missed))
            return 1
        print(f"all {self.checked} bounds met")
        return 0
