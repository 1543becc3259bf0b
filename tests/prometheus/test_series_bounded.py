"""Series count does not grow with processes: a real node at ~1,000 and at
200,000 processes, scraped by a real Prometheus; the per-target sample
count (Prometheus' own scrape_samples_scraped) and the agent's /metrics
line count must be equal within K (the agent's top_k)."""

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
SMALL, LARGE = 1_000, 200_000


def series_lines(text):
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))


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
            print(f"series at {small[0]} processes: {small[1]} (Prometheus {small[2]}); "
                  f"at {large[0]}: {large[1]} (Prometheus {large[2]})", file=sys.stderr)
            self.assertLessEqual(abs(large[1] - small[1]), TOP_K, (small, large))
            self.assertLessEqual(abs(large[2] - small[2]), TOP_K, (small, large))

    def measure(self, node, prom, want):
        # Wait until a full sweep has seen the processes, then one more scrape.
        def swept():
            v = prom.query('beamscope_sweep_processes{job="agent"}')
            return v and float(v[0]["value"][1]) >= 0.98 * want
        wait_for(swept, 180, interval=1, what=f"a sweep over {want} processes")
        time.sleep(2)
        text = scrape(node.metrics_url, timeout=30)
        scraped = prom.query_value('scrape_samples_scraped{job="agent"}')
        return node.process_count(), series_lines(text), int(scraped)


if __name__ == "__main__":
    unittest.main(verbosity=2)
