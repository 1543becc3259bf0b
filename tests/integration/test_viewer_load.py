"""Viewers never starve the sweep (issue 12): a node with 150,000 extra
processes and the agent; 20 concurrent `beamscope-ctl overview` loops on
loopback for 20 s. The sweep must keep advancing at a rate comparable to
the quiet 20 s before (before the stream's bounds it made 0 sweeps against
8), every loop must be answered, and the agent's own numbers must say what
the viewers cost. Ground truth is the sampler's own sweep counter, read in
the VM, and beamscope_sweeps_total on /metrics agrees with it.
"""

import json
import subprocess
import threading
import time
import unittest

from e2e_checks import MEASURED, build_dir_from_argv, main
from nodes import DemoNode, wait_for
from probes import ctl_path, samples, scrape

BUILD_DIR = build_dir_from_argv()
EXTRA_PROCESSES = 150_000
VIEWERS = 20
WINDOW_S = 20.0
# Three quarters of the budget are the sweep's (less the ticks) whatever
# viewers do, and work is charged by CPU time, so the host's load (20 ctl
# processes a second on 2 cores) does not count: 0.85-1.1 measured at load
# 7-10; 0.5 leaves room for noise.
MIN_RATIO = 0.5


def sweeps(node):
    return node.eval_int("maps:get(sweeps_total, beamscope_sampler:sweep_stats())")


def swept(node):
    """Processes visited by the sweep so far: its progress, finer than whole sweeps."""
    return node.eval_int("maps:get(swept_total, beamscope_sampler:sweep_stats())")


def sweep_figures(node):
    return node.eval("maps:with([threads_over_share_us, charged_total_us, cost_ratio], "
                     "beamscope_sampler:sweep_stats())")


class ViewerLoad(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = DemoNode(BUILD_DIR)
        try:
            cls.node.start()
            cls.node.spawn_idle(EXTRA_PROCESSES, timeout=120)
            total = cls.node.process_count()
            # Two full sweeps of the loaded node before measuring anything.
            base = sweeps(cls.node)
            wait_for(lambda: sweeps(cls.node) >= base + 2, 60, interval=0.5, what="two sweeps at 150k")
            cls.processes = total
        except BaseException:
            cls.node.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def _window(self, load):
        """Sweeps done during WINDOW_S, with `load` viewers looping (0: quiet).
        Returns ((sweeps, processes swept), answered, failures, latencies)."""
        stop = time.monotonic() + WINDOW_S
        answered, failures, latencies = [], [], []
        lock = threading.Lock()

        def loop():
            while time.monotonic() < stop:
                t0 = time.monotonic()
                out = subprocess.run([ctl_path(BUILD_DIR), "--connect", self.node.stream_endpoint,
                                      "--timeout-ms", "5000", "overview", "--json"],
                                     capture_output=True, text=True, timeout=30)
                with lock:
                    if out.returncode == 0:
                        answered.append(json.loads(out.stdout))
                        latencies.append(time.monotonic() - t0)
                    else:
                        failures.append(out.stderr.strip())

        before, visited = sweeps(self.node), swept(self.node)
        threads = [threading.Thread(target=loop) for _ in range(load)]
        for t in threads:
            t.start()
        if not threads:
            time.sleep(WINDOW_S)  # the quiet window itself: nothing to wait for
        for t in threads:
            t.join(timeout=WINDOW_S + 60)
        done = (sweeps(self.node) - before, swept(self.node) - visited)
        return done, answered, failures, sorted(latencies)

    def test_twenty_viewers_do_not_stop_the_sweep(self):
        quiet, _, _, _ = self._window(0)
        loaded, answered, failures, latencies = self._window(VIEWERS)
        MEASURED["processes"] = self.processes
        MEASURED["sweeps_quiet_20s"], MEASURED["swept_quiet_20s"] = quiet
        MEASURED["sweeps_20_viewers_20s"], MEASURED["swept_20_viewers_20s"] = loaded
        MEASURED["swept_ratio"] = round(loaded[1] / max(quiet[1], 1), 2)
        MEASURED["overviews_answered"] = len(answered)
        MEASURED["overviews_failed"] = len(failures)
        if latencies:
            MEASURED["overview_p50_s"] = round(latencies[len(latencies) // 2], 3)
            MEASURED["overview_max_s"] = round(latencies[-1], 3)
        MEASURED["sweep_figures"] = sweep_figures(self.node)

        self.assertGreaterEqual(quiet[0], 1, "the quiet node should sweep 150k processes in 20 s")
        # beamscope_sweeps_total keeps advancing, and the sweep's pace
        # (processes visited) stays comparable to the quiet window's.
        self.assertGreaterEqual(loaded[0], 1, f"no sweep under {VIEWERS} viewers ({quiet[0]} quiet)")
        self.assertGreaterEqual(loaded[1], MIN_RATIO * quiet[1],
                                f"{loaded[1]} processes swept under {VIEWERS} viewers against {quiet[1]} quiet")
        # Every viewer is served: no refusal, no timeout.
        self.assertEqual(failures, [], failures[:3])
        self.assertGreaterEqual(len(answered), VIEWERS)
        for doc in answered[-5:]:
            self.assertEqual(doc["node"], self.node.node_name)
            self.assertTrue(within_count(doc["process_count"], self.processes), doc["process_count"])

        # What the viewers cost is visible: one-shot viewers are neither
        # refused nor rate limited, and the counters reach ctl and /metrics.
        rejected = answered[-1]["agent"]["stream_rejected"]
        self.assertEqual(rejected.get("too_many_viewers"), 0, rejected)
        self.assertIn("hello_rate", rejected)
        text = scrape(self.node.metrics_url)
        reasons = {labels["reason"] for labels, _ in samples(text, "beamscope_stream_rejected_total")}
        self.assertIn("too_many_viewers", reasons)
        published = max(v for _, v in samples(text, "beamscope_sweeps_total"))
        self.assertLessEqual(published, sweeps(self.node))
        self.assertGreaterEqual(published, sweeps(self.node) - 2)


def within_count(reported, truth):
    """The process count a viewer saw is the node's (±1%: the demo lives)."""
    return abs(reported - truth) <= max(0.01 * truth, 50)


if __name__ == "__main__":
    main()
