"""The agent's history ring with a real node, real viewers and real ctl.

A watcher (tests/integration/history_peer, the real StreamClient) records
every tick the stream carried from the agent's start; the node's process
count is stepped up by a known number of processes for a few seconds. A
viewer connecting N seconds later must receive a History right after the
keyframe that covers those N seconds, whose every tick equals what the
stream carried live for the same tick (all 20 raw values), whose process
count shows the step the node itself reported, and `beamscope-ctl history`
must answer the same values (and rates derived from the same counters).
With history_s 0 nothing is kept or sent; the ring's memory is on
/metrics, within 1 MiB at the default and at the largest setting."""

import json
import os
import subprocess
import time
import unittest

from e2e_checks import MEASURED, build_dir_from_argv, main
from nodes import DemoNode, wait_for
from probes import ctl_json, run_ctl, samples, scrape

BUILD_DIR = build_dir_from_argv()
PEER = os.path.join(BUILD_DIR, "tests", "integration", "history_peer")
TICK_MS = 500
STEP = 3000          # extra processes held for a few seconds
LATE_S = 8           # the late viewer connects this long after the watcher
PROCESS_COUNT = 0    # GaugeColumn.Gauge order (protocol/proto/beamscope.proto)
REDUCTIONS_TOTAL = 12
MIB = 1 << 20


def history_of(endpoint, seconds=10):
    out = subprocess.run([PEER, "history", endpoint, str(seconds)], capture_output=True, text=True,
                         timeout=seconds + 20, check=True)
    return json.loads(out.stdout)


class Watcher:
    """history_peer watch: every tick the stream carried, by uptime."""

    def __init__(self, endpoint, seconds):
        self.proc = subprocess.Popen([PEER, "watch", endpoint, str(seconds)], stdout=subprocess.PIPE, text=True)

    def finish(self):
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=20)
        ticks = {}
        for line in out.splitlines():
            t = json.loads(line)
            ticks[t["uptime_ms"]] = t
        return ticks


class HistoryRing(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = DemoNode(BUILD_DIR, agent_env={"tick_ms": TICK_MS})
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def test_late_viewer_gets_the_ring_and_it_equals_the_stream(self):
        node = self.node
        watcher = Watcher(node.stream_endpoint, LATE_S + 30)
        t_watch = time.monotonic()
        base = node.process_count()
        holder = node.spawn_idle(STEP)
        stepped = node.process_count()
        wait_for(lambda: time.monotonic() - t_watch > 3, 10, what="the step held 3 s")
        node.kill_holder(holder)
        wait_for(lambda: node.process_count() < stepped - STEP // 2, 30, what="the step's processes gone")
        wait_for(lambda: time.monotonic() - t_watch >= LATE_S, LATE_S + 5, what=f"{LATE_S} s of watching")
        late = history_of(node.stream_endpoint)
        ticks = watcher.finish()

        self.assertTrue(late["history"], "no History after the keyframe")
        self.assertEqual(late["node"], node.node_name)
        self.assertEqual(late["window_s"], 600)
        hist = late["samples"]
        span_s = (hist[-1][1] - hist[0][1]) / 1000
        MEASURED["late_viewer_history_s"] = span_s
        MEASURED["late_viewer_history_samples"] = len(hist)
        MEASURED["history_frame_bytes"] = late["bytes"]
        # The ring starts with the agent, before the watcher: it covers at
        # least the LATE_S seconds the watcher saw, one sample per tick.
        self.assertGreaterEqual(span_s, LATE_S - TICK_MS / 1000)
        self.assertLessEqual(len(hist), span_s * 1000 / TICK_MS + 2)
        self.assertGreaterEqual(hist[-1][1], late["keyframe_uptime_ms"])

        # Every tick the stream carried live that is in the ring: equal.
        common = [row for row in hist if row[1] in ticks]
        self.assertGreaterEqual(len(common), (LATE_S - 1) * 1000 / TICK_MS, "too few ticks in common")
        for row in common:
            t = ticks[row[1]]
            self.assertEqual(row[0], t["time_us"], f"time of tick {row[1]}")
            self.assertEqual(row[2:], t["v"], f"raw values of tick {row[1]}")

        # Ground truth from the node: the step is in the ring.
        counts = [row[2 + PROCESS_COUNT] for row in hist]
        MEASURED["ring_process_count_min_max"] = (min(counts), max(counts), base, stepped)
        self.assertGreaterEqual(max(counts), stepped - 50)
        self.assertLessEqual(min(counts), base + 50)

        # ctl history: the same ticks, rates derived from the same counters.
        doc = ctl_json(BUILD_DIR, node.stream_endpoint, "history", "--series", "process_count")
        by_time = {row[0]: row for row in hist}
        checked = 0
        for p in doc["points"]:
            if p["time_us"] in by_time:
                self.assertEqual(p["value"], by_time[p["time_us"]][2 + PROCESS_COUNT])
                checked += 1
        self.assertGreaterEqual(checked, len(hist) - 1)
        self.assertEqual((doc["node"], doc["series"], doc["kind"]), (node.node_name, "process_count", "gauge"))

        rates = ctl_json(BUILD_DIR, node.stream_endpoint, "history", "--series", "reductions_per_s", "--since", "5s")
        self.assertGreater(rates["count"], 0)
        self.assertGreaterEqual(rates["points"][0]["time_us"], int((time.time() - 6) * 1e6))
        by_up = {row[1]: row for row in hist}
        ordered = sorted(by_up)
        derived = 0
        for p in rates["points"]:
            row = by_time.get(p["time_us"])
            if not row:
                continue
            prev = by_up[ordered[ordered.index(row[1]) - 1]]
            want = (row[2 + REDUCTIONS_TOTAL] - prev[2 + REDUCTIONS_TOTAL]) * 1000 / (row[1] - prev[1])
            self.assertAlmostEqual(p["value"], want, delta=1e-6 * want + 1e-6)
            derived += 1
        self.assertGreater(derived, 0)

    def test_ring_memory_on_metrics_within_a_mib(self):
        def sample():
            text = scrape(self.node.metrics_url)
            got = {name: samples(text, name) for name in
                   ("beamscope_history_bytes", "beamscope_history_window_seconds", "beamscope_history_samples")}
            return got if all(got.values()) else None

        got = wait_for(sample, 20, what="beamscope_history_* on /metrics")
        nbytes = got["beamscope_history_bytes"][0][1]
        MEASURED["ring_bytes_default"] = nbytes
        self.assertEqual(got["beamscope_history_window_seconds"][0][1], 600)
        self.assertGreater(got["beamscope_history_samples"][0][1], 0)
        self.assertLessEqual(nbytes, MIB)

    def test_unknown_series_is_a_usage_error(self):
        res = run_ctl(BUILD_DIR, ["--connect", self.node.stream_endpoint, "history", "--series", "bogus", "--json"])
        self.assertEqual(res.rc, 2, res)
        self.assertIn("unknown series bogus", res.stderr)
        self.assertIn("reductions_per_s", res.stderr)
        res = run_ctl(BUILD_DIR, ["--connect", self.node.stream_endpoint, "history", "--series", "process_count",
                                  "--since", "yesterday"])
        self.assertEqual(res.rc, 2, res)


class HistorySettings(unittest.TestCase):
    def test_history_s_zero_keeps_and_sends_nothing(self):
        with DemoNode(BUILD_DIR, agent_env={"history_s": 0, "tick_ms": TICK_MS}) as node:
            node.start()
            wait_for(lambda: ctl_json(BUILD_DIR, node.stream_endpoint, "overview"), 20, what="agent up")
            late = history_of(node.stream_endpoint, seconds=3)
            self.assertIsNone(late["history"])
            self.assertGreater(late["keyframe_uptime_ms"], 0, "the keyframe came, the history did not")
            res = run_ctl(BUILD_DIR, ["--connect", node.stream_endpoint, "history", "--series", "process_count"])
            self.assertEqual(res.rc, 1, res)
            self.assertIn("history is disabled", res.stderr)
            text = scrape(node.metrics_url)
            self.assertEqual(samples(text, "beamscope_history_window_seconds")[0][1], 0)

    def test_largest_window_stays_within_a_mib(self):
        # 3600 s at 100 ms ticks: more ticks than the ring holds (4096).
        with DemoNode(BUILD_DIR, agent_env={"history_s": 3600, "tick_ms": 100}) as node:
            node.start()
            text = wait_for(lambda: (lambda t: t if samples(t, "beamscope_history_bytes") else None)(
                scrape(node.metrics_url)), 20, what="beamscope_history_bytes")
            nbytes = samples(text, "beamscope_history_bytes")[0][1]
            MEASURED["ring_bytes_3600s_100ms"] = nbytes
            self.assertLessEqual(nbytes, MIB)
            self.assertGreaterEqual(nbytes, 4096 * 176, "the whole ring is allocated up front")

    def test_bad_history_s_is_refused_at_start(self):
        with DemoNode(BUILD_DIR, start_demo=False, agent_env={"history_s": 3601}) as node:
            node.start()
            res = node.start_agent()
            self.assertIn("bad_config", res)
            self.assertIn("history_s", res)
            self.assertIn("0..3600", res)


if __name__ == "__main__":
    main()
