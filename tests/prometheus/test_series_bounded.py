"""Series count does not grow with processes: a real node at ~1,000 and at
200,000 processes, scraped by a real Prometheus; the per-target sample
count (Prometheus' own scrape_samples_scraped) and the agent's /metrics
line count: every family but the top-K rankings is identical, each ranking
holds at most K series at both sizes (so per family: equal within K)."""

import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from fleet import build_dir_from_argv  # noqa: E402
from nodes import DemoNode, wait_for  # noqa: E402
from probes import scrape  # noqa: E402
from promserver import PrometheusServer  # noqa: E402

BUILD_DIR = build_dir_from_argv()
TOP_K = 20
RANKINGS = 4  # mailbox, memory, reductions/s, minor GCs/s
SMALL, LARGE = 1_000, 200_000


def series_lines(text):
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))


def per_family(text):
    counts = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name = line.split("{")[0].split(" ")[0]
            counts[name] = counts.get(name, 0) + 1
    return counts


class SeriesBounded(unittest.TestCase):
    def test_series_count_equal_within_k(self):
        with DemoNode(BUILD_DIR, agent_env={"top_k": TOP_K, "tick_ms": 500}) as node, \
                PrometheusServer({"agent": [f"127.0.0.1:{node.metrics_port}"]}) as prom:
            node.start()
            node.spawn_idle(SMALL - node.process_count())
            prom.start()
            prom.wait_for_targets_up()
            small = self.measure(node, prom, SMALL)
            node.spawn_idle(LARGE - node.process_count(), timeout=120)
            large = self.measure(node, prom, LARGE)
            diff = {k: (small[3].get(k, 0), large[3].get(k, 0)) for k in set(small[3]) | set(large[3])
                    if small[3].get(k, 0) != large[3].get(k, 0)}
            print(f"families that differ: {diff}", file=sys.stderr)
            print(f"series at {small[0]} processes: {small[1]} (Prometheus {small[2]}); "
                  f"at {large[0]}: {large[1]} (Prometheus {large[2]})", file=sys.stderr)
            # Everything but the top-K rankings is exactly the same set.
            fixed = lambda c: {k: v for k, v in c.items() if not k.startswith("beamscope_process_")}
            self.assertEqual(fixed(small[3]), fixed(large[3]))
            # Each ranking holds at most K series at either size, so per
            # family the counts are equal within K; the rate rankings skip
            # zeros, so they move between 0 and K with the load (by design).
            for name in set(small[3]) | set(large[3]):
                if name.startswith("beamscope_process_"):
                    self.assertLessEqual(max(small[3].get(name, 0), large[3].get(name, 0)), TOP_K, name)
            self.assertLessEqual(abs(large[1] - small[1]), RANKINGS * TOP_K, (small[:3], large[:3]))
            self.assertLessEqual(abs(large[2] - small[2]), RANKINGS * TOP_K, (small[:3], large[:3]))

    def measure(self, node, prom, want):
        # Wait until a full sweep has seen the processes, then one more scrape.
        def swept():
            v = prom.query('beamscope_sweep_processes{job="agent"}')
            return v and float(v[0]["value"][1]) >= 0.98 * want
        wait_for(swept, 180, interval=1, what=f"a sweep over {want} processes")
        # Two more sweeps: the spawn burst's reductions and GCs leave the
        # rate rankings (steady state, as in production).
        sweeps = prom.query_value('beamscope_sweeps_total{job="agent"}')
        wait_for(lambda: prom.query_value('beamscope_sweeps_total{job="agent"}') >= sweeps + 2, 180,
                 interval=1, what="two more sweeps")
        # Then a scrape by Prometheus that started after them.
        after = time.time()
        wait_for(lambda: prom.query_value('timestamp(scrape_samples_scraped{job="agent"})') > after, 30,
                 interval=0.2, what="a scrape after the sweeps")
        text = scrape(node.metrics_url, timeout=30)
        scraped = prom.query_value('scrape_samples_scraped{job="agent"}')
        return node.process_count(), series_lines(text), int(scraped), per_family(text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
