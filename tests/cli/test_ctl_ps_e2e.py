"""beamscope-ctl `ps` (every process in pages, protocol 1.3) against a real
demo node running the agent, with 50,000 probe processes of known
mailboxes, heaps, minor GCs and applications (beamscope_ps_probe.erl):
paged to the end by each key and filter through the agent's own request
path, every page equals a brute-force sort of process_info computed in the
node; ctl's pages (first, middle, last) equal the same ground truth read
back here; busy processes lead by reductions/s and a growing mailbox by
growth; pages through a collector equal the agent's; bad requests are
refused with the reason.

  test_ctl_ps_e2e.py --build-dir BUILD
"""

import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from collector_proc import Collector  # noqa: E402
from e2e_checks import MEASURED, build_dir_from_argv, main  # noqa: E402
from nodes import DemoNode, to_erl, wait_for  # noqa: E402
from probes import ctl_json, run_ctl  # noqa: E402

BUILD_DIR = build_dir_from_argv()
PROBES = 50_000
NAME = "beamscope_ps_probe:hold"
APP = "beamscope_demo"


def load_probe(node):
    src = os.path.join(HERE, "beamscope_ps_probe.erl")
    node.eval(f"{{ok, M, B}} = compile:file({to_erl(src)}, [binary, report]), "
              f"{{module, M}} = code:load_binary(M, {to_erl(src)}, B), ok", timeout=60)


def sweeps(node):
    return node.eval_int("begin {ok, R, _} = beamscope_sampler:nif_ref(), "
                         "maps:get(sweeps_total, beamscope_nif:sweep_stats(R)) end")


def wait_sweeps(node, n, timeout=40):
    """Waits until `n` more sweeps completed: one slow-tier sweep at least
    (every fourth) began after the caller's change."""
    s0 = sweeps(node)
    wait_for(lambda: sweeps(node) >= s0 + n, timeout, interval=0.3, what=f"{n} sweeps")


class CtlPs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A bigger budget than the default so the 50k-process sweeps come
        # every second or so (the pages do not depend on it).
        cls.node = DemoNode(BUILD_DIR, demo_env={"crash_interval_ms": 0},
                            agent_env={"budget": 0.05}, name_prefix="ctlps")
        cls.node.start()
        load_probe(cls.node)
        t0 = time.monotonic()
        cls.node.eval(f"beamscope_ps_probe:start(#{{count => {PROBES}, app => {APP}}})", timeout=120)
        MEASURED["probes_spawned_s"] = round(time.monotonic() - t0, 1)
        cls.truth_path = os.path.join(cls.node.workdir, "truth.txt")
        # Five sweeps: a slow-tier one (names, heaps, applications) began after the probes.
        wait_sweeps(cls.node, 5)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def truth(self):
        self.node.eval(f"beamscope_ps_probe:truth_file({to_erl(self.truth_path)})", timeout=60)
        rows = {}
        with open(self.truth_path) as f:
            for line in f:
                pid, mq, mem, gcs, app = line.split()
                rows[pid] = {"message_queue_len": int(mq), "memory_bytes": int(mem), "minor_gcs": int(gcs),
                             "application": "" if app == "-" else app}
        return rows

    def check_in_node(self, key, app="", min_mailbox=0):
        got = self.node.eval(f"beamscope_ps_probe:check({key}, <<\"{app}\">>, {min_mailbox}, <<\"{NAME}\">>)",
                             timeout=120)
        self.assertTrue(got.startswith("{ok,"), f"{key} app={app!r} min={min_mailbox}: {got}")
        total, pages, us = (int(x) for x in got.strip("{}").split(",")[1:])
        return total, pages, us

    def test_1_every_key_and_filter_paged_to_the_end_equals_ground_truth(self):
        expected = {"all": PROBES, "app": PROBES // 5}
        for key in ("mailbox", "memory", "application"):
            total, pages, us = self.check_in_node(key)
            self.assertEqual(total, expected["all"])
            self.assertEqual(pages, PROBES // 1000)
            MEASURED[f"pages_{key}_50k_ms_per_page"] = round(us / pages / 1000, 1)
        total, _, _ = self.check_in_node("mailbox", app=APP)
        self.assertEqual(total, expected["app"])
        total, _, _ = self.check_in_node("memory", min_mailbox=50)
        self.assertEqual(total, sum(1 for i in range(1, PROBES + 1) if i % 97 >= 50))
        total, _, _ = self.check_in_node("application", app=APP, min_mailbox=90)
        self.assertEqual(total, sum(1 for i in range(1, PROBES + 1) if i % 97 >= 90 and i % 5 == 0))

    def test_2_minor_gcs_are_read_on_demand_then_exact(self):
        # The first page by minor GCs turns the gc tier on; the next slow sweep reads them.
        first = ctl_json(BUILD_DIR, self.node.stream_endpoint, "ps", "--by", "gc", "--filter", NAME, "--limit", "5")
        self.assertEqual(first["sort"], "gc")
        wait_sweeps(self.node, 5)
        page = ctl_json(BUILD_DIR, self.node.stream_endpoint, "ps", "--by", "gc", "--filter", NAME, "--limit", "5")
        self.assertTrue(page["gc_known"], page)
        total, pages, _ = self.check_in_node("minor_gcs")
        self.assertEqual((total, pages), (PROBES, PROBES // 1000))
        self.assertTrue(any(g > 0 for g in (r["minor_gcs"] for r in page["processes"])), page["processes"])

    def test_3_ctl_pages_equal_ground_truth(self):
        truth = self.truth()
        self.assertEqual(len(truth), PROBES)
        for key, field in (("mailbox", "message_queue_len"), ("memory", "memory_bytes")):
            want = sorted((t[field] for t in truth.values()), reverse=True)
            for offset in (0, PROBES // 2, PROBES - 1000):
                t0 = time.monotonic()
                doc = ctl_json(BUILD_DIR, self.node.stream_endpoint, "ps", "--by", key, "--filter", NAME,
                               "--offset", str(offset), "--limit", "1000", timeout_ms=10000)
                MEASURED[f"ctl_ps_{key}_page_s"] = round(time.monotonic() - t0, 2)
                self.assertEqual((doc["total"], doc["offset"], doc["sort"]), (PROBES, offset, key))
                got = [r[field] for r in doc["processes"]]
                self.assertEqual(got, want[offset:offset + 1000], f"{key} page at {offset}")
                for r in doc["processes"]:
                    self.assertEqual(r[field], truth[r["pid"]][field], r)
                    self.assertEqual(r["application"], truth[r["pid"]]["application"], r)
                    self.assertEqual(r["initial_call"], "beamscope_ps_probe:hold/2", r)
                    self.assertEqual(r["current_function"], "beamscope_ps_probe:hold/2", r)
                    self.assertTrue(r["slow_known"] and not r["gone"], r)
                self.assertLessEqual(doc["sweep_age_ms"], doc["slow_age_ms"])
        # Ascending is the reverse order.
        doc = ctl_json(BUILD_DIR, self.node.stream_endpoint, "ps", "--by", "mailbox", "--filter", NAME, "--asc",
                       "--limit", "10")
        self.assertEqual([r["message_queue_len"] for r in doc["processes"]], [0] * 10)

    def test_4_every_process_unfiltered_and_busy_ones_lead(self):
        doc = ctl_json(BUILD_DIR, self.node.stream_endpoint, "ps", "--limit", "1000")
        self.assertEqual(doc["total"], doc["swept"])
        self.assertGreaterEqual(doc["total"], PROBES)
        values = [r["message_queue_len"] for r in doc["processes"]]
        self.assertEqual(values, sorted(values, reverse=True))
        # Two spinners and a fed mailbox, then sweeps that see them.
        self.node.eval("[register(N, spawn(beamscope_ps_probe, spin, [0])) || "
                       "N <- [beamscope_ps_spin_a, beamscope_ps_spin_b]], "
                       "G = spawn(beamscope_ps_probe, hold, [0, self()]), register(beamscope_ps_grower, G), "
                       "register(beamscope_ps_feed, spawn(beamscope_ps_probe, grow_feed, [G, 5])), ok")
        try:
            wait_sweeps(self.node, 6)
            reds = ctl_json(BUILD_DIR, self.node.stream_endpoint, "ps", "--by", "reductions", "--filter",
                            "beamscope_ps_spin", "--limit", "5")
            self.assertEqual(reds["total"], 2, reds)
            self.assertEqual({r["name"] for r in reds["processes"]}, {"beamscope_ps_spin_a", "beamscope_ps_spin_b"})
            self.assertTrue(all(r["reductions_per_s"] > 10_000 for r in reds["processes"]), reds["processes"])
            top = ctl_json(BUILD_DIR, self.node.stream_endpoint, "ps", "--by", "reductions", "--filter",
                           "beamscope_ps", "--limit", "3")
            self.assertEqual({r["name"] for r in top["processes"][:2]}, {"beamscope_ps_spin_a", "beamscope_ps_spin_b"})
            # The demo's burster grows in bursts of its own: the race is among the probes.
            grow = ctl_json(BUILD_DIR, self.node.stream_endpoint, "ps", "--by", "growth", "--filter", "beamscope_ps",
                            "--limit", "1")
            self.assertEqual(grow["processes"][0]["name"], "beamscope_ps_grower", grow)
            self.assertGreater(grow["processes"][0]["mailbox_growth_per_s"], 20)
        finally:
            self.node.eval("[exit(whereis(N), kill) || N <- [beamscope_ps_spin_a, beamscope_ps_spin_b, "
                           "beamscope_ps_feed, beamscope_ps_grower]], ok")

    def test_5_bad_requests_are_refused_with_the_reason(self):
        for bad in (["--limit", "5000"], ["--by", "colour"], ["--limit", "0"]):
            res = run_ctl(BUILD_DIR, ["--connect", self.node.stream_endpoint, "ps", *bad])
            self.assertEqual(res.rc, 2, (bad, res))
        res = run_ctl(BUILD_DIR, ["--connect", self.node.stream_endpoint, "ps", "--filter", "x" * 300])
        self.assertEqual(res.rc, 2, res)
        self.assertIn("name filter of 300 bytes is above 255", res.stderr)
        res = run_ctl(BUILD_DIR, ["--connect", self.node.stream_endpoint, "ps", "--app", "no_such_app", "--json"])
        self.assertEqual(res.rc, 0, res)
        self.assertIn('"total":0', res.stdout.replace(" ", ""))

    def test_6_through_a_collector(self):
        collector = Collector(BUILD_DIR, [self.node.stream_endpoint])
        try:
            wait_for(lambda: run_ctl(BUILD_DIR, ["--connect", collector.listen, "overview"]).rc == 0, 20,
                     what="the collector to serve the node")
            args = ("ps", "--by", "memory", "--filter", NAME, "--offset", "1000", "--limit", "500")
            via = ctl_json(BUILD_DIR, collector.listen, *args, timeout_ms=10000)
            direct = ctl_json(BUILD_DIR, self.node.stream_endpoint, *args, timeout_ms=10000)
            self.assertEqual(via["total"], PROBES)
            self.assertEqual([r["memory_bytes"] for r in via["processes"]],
                             [r["memory_bytes"] for r in direct["processes"]])
            self.assertEqual(len(via["processes"]), 500)
        finally:
            collector.stop()


if __name__ == "__main__":
    main()
