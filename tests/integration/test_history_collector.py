"""The collector's history (issue 15) with a real demo node, a real
collector and real ctl.

The collector is started LATE_S seconds after the node: the History the
agent sends after its keyframe backfills the collector, so `ctl history`
through the collector has every tick of the agent's ring at once, with the
same values. Then, with the node's process count stepped up by a known
number of processes, `ctl history` through the collector and from the agent
directly answer the same ticks with the same values for the same range, a
gauge (process_count) and a rate (reductions_per_s). The collector's
/metrics shows the history's memory, its limit and the drops by kind
(promtool-valid). The collector's logs (protocol 1.5): a mailbox_long
alert raised on the node and cleared is read back with `ctl history
--alerts`, the demo crasher's restarts with `--tree-changes`; an agent
asked for a log says to ask a collector. Python 3 stdlib only."""

import json
import os
import re
import shutil
import tempfile
import time
import unittest

from collector_proc import Collector
from e2e_checks import MEASURED, build_dir_from_argv, main
from nodes import DemoNode, wait_for
from probes import ctl_json, promtool_problems, run_ctl, samples, scrape

BUILD_DIR = build_dir_from_argv()
LATE_S = 12   # the agent's ring holds this much before the collector starts
STEP = 2000   # extra processes held for a few seconds


def history(endpoint, series, *extra, node=None):
    return ctl_json(BUILD_DIR, endpoint, "history", "--series", series, *extra, node=node)


def by_time(doc):
    return {p["time_us"]: p for p in doc["points"]}


class CollectorHistory(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = DemoNode(BUILD_DIR)
        cls.node.start()
        cls.t_start = time.monotonic()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def test_late_collector_has_the_agents_ring_and_the_same_values(self):
        node = self.node
        agent = node.stream_endpoint
        wait_for(lambda: time.monotonic() - self.t_start >= LATE_S, LATE_S + 5, what=f"{LATE_S} s of the node")
        ring = history(agent, "process_count")
        self.assertGreaterEqual(ring["count"], LATE_S - 3, "the agent's ring is short")

        collector = Collector(BUILD_DIR, [agent], ["--memory-limit", "64MiB"])
        self.addCleanup(collector.stop)
        t_collector = time.monotonic()
        wait_for(lambda: run_ctl(BUILD_DIR, ["--connect", collector.listen, "--node", node.node_name,
                                             "overview", "--json"]).rc == 0,
                 30, interval=0.2, what="the node at the collector")
        # At once: every tick the agent's ring had before the collector
        # started, with the same value.
        first = history(collector.listen, "process_count", "--since", "10m", node=node.node_name)
        MEASURED["collector_history_at_once"] = (first["count"], ring["count"],
                                                 round(time.monotonic() - t_collector, 2))
        got = by_time(first)
        missing = [t for t in by_time(ring) if t not in got]
        self.assertEqual(missing, [], f"ticks of the agent's ring not at the collector ({len(missing)})")
        for t, p in by_time(ring).items():
            self.assertEqual(got[t]["value"], p["value"], f"process_count at {t}")
        self.assertGreaterEqual(first["count"], ring["count"])
        self.assertEqual((first["node"], first["series"]), (node.node_name, "process_count"))

        # A step the node itself reports, then the same range from both.
        base = node.process_count()
        holder = node.spawn_idle(STEP)
        stepped = node.process_count()
        t_step = time.monotonic()
        wait_for(lambda: time.monotonic() - t_step > 3, 10, what="the step held 3 s")
        node.kill_holder(holder)
        wait_for(lambda: node.process_count() < stepped - STEP // 2, 30, what="the step's processes gone")
        wait_for(lambda: time.monotonic() - t_step > 6, 10, what="ticks after the step")
        to_s = time.time() - 1.5  # ticks both have by now
        from_s = to_s - 60
        window = ["--from", f"{from_s:.3f}", "--to", f"{to_s:.3f}"]
        for series in ("process_count", "reductions_per_s"):
            direct = history(agent, series, *window)
            via = history(collector.listen, series, *window, node=node.node_name)
            self.assertEqual(sorted(by_time(via)), sorted(by_time(direct)), f"{series}: the same ticks")
            self.assertGreaterEqual(direct["count"], LATE_S + 3, series)
            for t, p in by_time(direct).items():
                q = by_time(via)[t]
                self.assertAlmostEqual(q["value"], p["value"], delta=1e-9 * abs(p["value"]) + 1e-9,
                                       msg=f"{series} at {t}")
                self.assertEqual(q["span_ms"], p["span_ms"], f"{series} span at {t}")
            MEASURED[f"compared_{series}"] = direct["count"]
            if series == "process_count":
                values = [p["value"] for p in direct["points"]]
                MEASURED["process_count_min_max"] = (min(values), max(values), base, stepped)
                self.assertGreaterEqual(max(values), stepped - 50)
                self.assertLessEqual(min(values), base + 50)
            else:
                self.assertTrue(all(p["value"] > 0 for p in direct["points"]), "a node always reduces")

        # Unknown series: a usage error naming the series; an unknown node
        # at the collector: ctl says so.
        bad = run_ctl(BUILD_DIR, ["--connect", collector.listen, "--node", node.node_name, "history",
                                  "--series", "bogus", "--json"])
        self.assertEqual(bad.rc, 2, bad)
        self.assertIn("unknown series bogus", bad.stderr)

        # /metrics: the memory held, the limit, drops by kind, the backfill.
        text = scrape(collector.metrics_url)
        self.assertEqual(promtool_problems(text)[1], [])
        held = samples(text, "beamscope_collector_history_bytes")
        self.assertEqual(len(held), 1)
        self.assertGreater(held[0][1], 0)
        MEASURED["collector_history_bytes"] = held[0][1]
        self.assertEqual(samples(text, "beamscope_collector_memory_limit_bytes")[0][1], 64 << 20)
        kinds = {labels["kind"]: v for labels, v in samples(text, "beamscope_collector_history_dropped_total")}
        self.assertEqual(kinds, {"ticks": 0, "minutes": 0, "events": 0, "alerts": 0, "tree_changes": 0})
        backfilled = samples(text, "beamscope_collector_history_backfilled_total")[0][1]
        self.assertGreaterEqual(backfilled, ring["count"] - 1)

    def test_alert_and_tree_change_logs_at_the_collector(self):
        node = self.node
        collector = Collector(BUILD_DIR, [node.stream_endpoint])
        self.addCleanup(collector.stop)
        logs = lambda flag: ctl_json(BUILD_DIR, collector.listen, "history", flag, node=node.node_name)  # noqa: E731
        wait_for(lambda: run_ctl(BUILD_DIR, ["--connect", collector.listen, "--node", node.node_name, "history",
                                             "--alerts", "--json"]).rc == 0, 30, interval=0.3,
                 what="the node's alert log at the collector")
        # mailbox_long: a mailbox at the agent's default mailbox_alarm (10000).
        t0_us = time.time() * 1e6
        sink = node.spawn_sink(10_500, name="beamscope_test_log_sink")

        def entries(kind):
            doc = logs("--alerts")
            return [e for e in doc["entries"] if e["kind"] == kind and e["subject"] == sink
                    and e["alert"] == "mailbox_long"]
        raised = wait_for(lambda: entries("raised"), 30, interval=0.5, what="mailbox_long raised in the log")[0]
        self.assertEqual((raised["pid"], raised["name"]), (sink, "beamscope_test_log_sink"))
        self.assertEqual(raised["severity"], "critical")
        self.assertGreaterEqual(raised["time_us"], t0_us - 2e6)
        node.kill(sink)
        cleared = wait_for(lambda: entries("cleared"), 30, interval=0.5, what="mailbox_long cleared in the log")[0]
        self.assertGreaterEqual(cleared["time_us"], raised["time_us"])
        doc = logs("--alerts")
        self.assertEqual((doc["node"], doc["log"]), (node.node_name, "alerts"))
        self.assertEqual(doc["count"], len(doc["entries"]))
        self.assertGreater(doc["oldest_us"], 0)
        # A range that ends before the alert holds neither.
        before = ctl_json(BUILD_DIR, collector.listen, "history", "--alerts", "--to", f"{t0_us / 1e6 - 5:.3f}",
                          node=node.node_name)
        self.assertFalse([e for e in before["entries"] if e["subject"] == sink], before)
        # The demo's crasher dies every 5 s: restarted entries of it.
        restarted = wait_for(lambda: [e for e in logs("--tree-changes")["entries"]
                                      if e["kind"] == "restarted" and "crasher" in e["subject"]],
                             40, interval=1, what="the crasher's restart in the tree change log")
        MEASURED["log_entries"] = (len(doc["entries"]), len(restarted))
        # The agent keeps no log: a failure that says where to ask.
        at_agent = run_ctl(BUILD_DIR, ["--connect", node.stream_endpoint, "history", "--alerts", "--json"])
        self.assertEqual(at_agent.rc, 1, at_agent)
        self.assertIn("ask a collector", at_agent.stderr)

    def test_post_mortem_history_of_a_node_that_left(self):
        """A post-mortem: the collector still answers the history of a node
        whose VM stopped; a node it never had, and a wrong node at an agent,
        are failures that say so."""
        with DemoNode(BUILD_DIR, name_prefix="bsleft", demo_env={"crash_interval_ms": 0}) as gone:
            gone.start()
            collector = Collector(BUILD_DIR, [gone.stream_endpoint])
            self.addCleanup(collector.stop)
            wait_for(lambda: history(collector.listen, "process_count", node=gone.node_name)["count"] >= 5, 40,
                     interval=0.5, what="5 ticks of the node at the collector")
            wrong = run_ctl(BUILD_DIR, ["--connect", gone.stream_endpoint, "--node", "other@host", "history",
                                        "--series", "process_count", "--json"])
            self.assertEqual(wrong.rc, 1, wrong)
            self.assertIn("this agent serves node " + gone.node_name, wrong.stderr)
            gone.stop()
            stopped_us = time.time() * 1e6
        wait_for(lambda: run_ctl(BUILD_DIR, ["--connect", collector.listen, "--node", gone.node_name, "overview",
                                             "--json"]).rc != 0, 15, interval=0.5, what="the node gone at the collector")
        after = history(collector.listen, "process_count", node=gone.node_name)
        self.assertGreaterEqual(after["count"], 5, after)
        self.assertEqual(after["node"], gone.node_name)
        self.assertLessEqual(after["points"][-1]["time_us"], stopped_us, "a tick after the VM stopped")
        self.assertTrue(all(p["value"] > 20 for p in after["points"]), after["points"][-3:])
        MEASURED["history_after_the_node_left"] = after["count"]
        never = run_ctl(BUILD_DIR, ["--connect", collector.listen, "--node", "never@host", "history",
                                    "--series", "process_count", "--json"])
        self.assertEqual(never.rc, 1, never)
        self.assertIn("keeps no history of node never@host", never.stderr)

    def test_bad_memory_limit_is_a_usage_error(self):
        collector = Collector(BUILD_DIR, [self.node.stream_endpoint], ["--memory-limit", "512MB"])
        self.addCleanup(collector.stop)
        self.assertEqual(collector.proc.wait(timeout=10), 2)
        self.assertIn("--memory-limit 512MB: expected BYTES, NKiB, NMiB or NGiB", collector.log_text())



class CollectorRestartWithRecording(unittest.TestCase):
    """A collector restarted on its --record file has the past it recorded:
    the node's agent keeps no ring (history_s 0), so every tick before the
    restart that `ctl history` answers through the new collector, with the
    first one's times and values, was read back from the file."""

    def test_history_survives_a_restart(self):
        node = DemoNode(BUILD_DIR, agent_env={"history_s": 0}, name_prefix="bsrestore")
        node.start()
        self.addCleanup(node.stop)
        tmp = tempfile.mkdtemp(prefix="bs_restore_")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "fleet.bsrec")
        first = Collector(BUILD_DIR, [node.stream_endpoint], ["--record", path])
        self.addCleanup(first.stop)
        at = lambda c: run_ctl(BUILD_DIR, ["--connect", c.listen, "--node", node.node_name,  # noqa: E731
                                           "overview", "--json"]).rc == 0
        wait_for(lambda: at(first), 30, interval=0.2, what="the node at the first collector")
        wait_for(lambda: history(first.listen, "process_count", "--since", "10m",
                                 node=node.node_name)["count"] >= 8, 30, interval=0.5, what="8 ticks")
        before = history(first.listen, "process_count", "--since", "10m", node=node.node_name)
        ring = run_ctl(BUILD_DIR, ["--connect", node.stream_endpoint, "history", "--series", "process_count",
                                   "--json"])
        self.assertEqual(json.loads(ring.stdout)["count"] if ring.rc == 0 else 0, 0,
                         f"the agent keeps no ring here: {ring!r}")
        first.stop()

        second = Collector(BUILD_DIR, [node.stream_endpoint], ["--record", path])
        self.addCleanup(second.stop)
        wait_for(lambda: at(second), 30, interval=0.2, what="the node at the restarted collector")
        full_log = lambda: open(second.log.name, errors="replace").read()  # noqa: E731
        wait_for(lambda: "history restored from" in full_log(), 15, interval=0.2, what="the restore's log line")
        after = history(second.listen, "process_count", "--since", "10m", node=node.node_name)
        old, new = by_time(before), by_time(after)
        missing = [t for t in old if t not in new]
        MEASURED["restored_ticks"] = (len(old) - len(missing), len(old), after["count"])
        self.assertEqual(missing, [], f"ticks of the first collector not restored ({len(missing)} of {len(old)})")
        for t, p in old.items():
            self.assertEqual(new[t]["value"], p["value"], f"process_count at {t}")
        restored = re.search(r"history restored from .*: (\d+) ticks of the last hour, (\d+) node", full_log())
        self.assertTrue(restored, full_log()[-2000:])
        self.assertEqual(int(restored.group(2)), 1)
        self.assertGreaterEqual(int(restored.group(1)), len(old))


if __name__ == "__main__":
    main()
