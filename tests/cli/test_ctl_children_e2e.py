"""beamscope-ctl `children` against a real demo node running the agent, with
5,000 workers in the demo's simple_one_for_one pool: paging through every
page in supervisor order gives exactly the node's own which_children, a
child whose mailbox the test filled comes first by mailbox with its real
length, refusals are clear (unknown id, worker, blocked supervisor), and 50
concurrent requests neither crash nor stall the node.

  test_ctl_children_e2e.py --build-dir BUILD
"""

import os
import re
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from e2e_checks import MEASURED, build_dir_from_argv, main  # noqa: E402
from nodes import DemoNode, to_erl, wait_for  # noqa: E402
from probes import ctl_json, ctl_path, run_ctl  # noqa: E402

BUILD_DIR = build_dir_from_argv()
POOL_SIZE = 5000
POOL = "beamscope_demo/beamscope_demo_sup/beamscope_demo_pool_top_sup/beamscope_demo_pool_sup"
CRASHER = "beamscope_demo/beamscope_demo_sup/beamscope_demo_services_sup/beamscope_demo_crasher"
PID = re.compile(r"<\d+\.\d+\.\d+>")
CALL_TIMEOUT_MS = 300


class CtlChildren(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = DemoNode(BUILD_DIR, demo_env={"crash_interval_ms": 0, "pool_size": POOL_SIZE},
                            agent_env={"tree_call_timeout_ms": CALL_TIMEOUT_MS}, name_prefix="ctlkids")
        cls.node.start()
        # The pager knows ids from the agent's first published walk.
        deadline = time.monotonic() + 20
        while cls.children_rc(POOL, "--limit", "1") != 0 and time.monotonic() < deadline:
            time.sleep(0.3)

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    @classmethod
    def children_rc(cls, sup, *extra):
        return run_ctl(BUILD_DIR, ["--connect", cls.node.stream_endpoint, "children", sup, *extra]).rc

    def children(self, sup, *extra, timeout_ms=5000):
        # The agent answers "busy" while pages have used their CPU share: ask again.
        for _ in range(50):
            try:
                return ctl_json(BUILD_DIR, self.node.stream_endpoint, "children", sup, *extra,
                                timeout_ms=timeout_ms)
            except RuntimeError as e:
                if "busy" not in str(e):
                    raise
                time.sleep(0.2)
        raise AssertionError("the agent stayed busy")

    def run_children(self, sup, *extra):
        for _ in range(50):
            res = run_ctl(BUILD_DIR, ["--connect", self.node.stream_endpoint, "--timeout-ms", "5000",
                                      "children", sup, *extra])
            if "busy" not in res.stderr:
                return res
            time.sleep(0.2)
        return res

    def pool_pids(self):
        # Through a file: erl_call prints a 5,000-pid string as a list of integers.
        path = os.path.join(self.node.workdir, "pool_pids.txt")
        self.node.eval(f"file:write_file({to_erl(path)}, [[pid_to_list(P), $\\n] || "
                       "{_, P, _, _} <- supervisor:which_children(beamscope_demo_pool_sup)])")
        with open(path) as f:
            return PID.findall(f.read())

    def test_1_supervisor_order_pages_are_which_children(self):
        truth = self.pool_pids()
        self.assertEqual(len(truth), POOL_SIZE)
        got, totals = [], set()
        t0 = time.monotonic()
        for offset in range(0, POOL_SIZE, 1000):
            doc = self.children(POOL, "--by", "supervisor", "--offset", str(offset), "--limit", "1000")
            self.assertEqual((doc["supervisor_id"], doc["offset"], doc["order"]), (POOL, offset, "supervisor"))
            totals.add(doc["total"])
            got += [c["pid"] for c in doc["children"]]
            for c in doc["children"]:
                self.assertEqual(c["parent_id"], POOL)
                self.assertEqual(c["id"], f"{POOL}/{c['pid']}")
                self.assertEqual(c["kind"], "worker")
        MEASURED["ctl_children_5_pages_of_1000_s"] = round(time.monotonic() - t0, 2)
        self.assertEqual(totals, {POOL_SIZE})
        self.assertEqual(got, truth)
        # Every key of a `tree` entry.
        tree_keys = set(ctl_json(BUILD_DIR, self.node.stream_endpoint, "tree")["applications"][0].keys())
        self.assertEqual(set(doc["children"][0].keys()), tree_keys)

    def test_2_filled_mailbox_comes_first(self):
        victim = self.pool_pids()[2345]
        p = f"list_to_pid({to_erl(victim)})"
        # Suspended, it keeps what it is sent (a pool worker drains its mailbox).
        self.node.eval(f"sys:suspend({p}), [{p} ! {{fill, I}} || I <- lists:seq(1, 3000)], ok")
        try:
            doc = self.children(POOL, "--by", "mailbox", "--limit", "5")
            truth = self.node.message_queue_len(victim)
        finally:
            self.node.eval(f"sys:resume({p})")
        top = doc["children"][0]
        self.assertEqual(top["pid"], victim)
        self.assertEqual(top["message_queue_len"], truth)
        self.assertGreaterEqual(truth, 3000)
        self.assertEqual(doc["order"], "mailbox")
        self.assertEqual(doc["total"], POOL_SIZE)

    def test_3_refusals_exit_1_with_the_reason(self):
        res = self.run_children("no/such/supervisor")
        self.assertEqual(res.rc, 1, res)
        self.assertIn("unknown supervisor id no/such/supervisor", res.stderr)
        res = self.run_children(CRASHER)
        self.assertEqual(res.rc, 1, res)
        self.assertIn("is a worker, not a supervisor", res.stderr)
        for bad in (["--limit", "5000"], ["--by", "gc"], ["--offset", "-1"]):
            res = self.run_children(POOL, *bad)
            self.assertEqual(res.rc, 2, (bad, res))

    def test_4_blocked_supervisor_answers_within_timeout_stream_flows(self):
        self.node.eval("sys:suspend(beamscope_demo_pool_sup)")
        try:
            before = ctl_json(BUILD_DIR, self.node.stream_endpoint, "overview")["timestamp_us"]
            res = self.run_children(POOL)
            time.sleep(1.5)  # more than one tick (1 s) with the supervisor still blocked
            after = ctl_json(BUILD_DIR, self.node.stream_endpoint, "overview")["timestamp_us"]
        finally:
            self.node.eval("sys:resume(beamscope_demo_pool_sup)")
        self.assertEqual(res.rc, 1, res)
        self.assertIn(f"did not answer which_children within {CALL_TIMEOUT_MS} ms", res.stderr)
        MEASURED["ctl_children_blocked_supervisor_s"] = round(res.seconds, 2)
        self.assertLess(res.seconds, 3.0)
        self.assertGreater(after, before, "the stream kept flowing while the supervisor was blocked")

    def test_5_fifty_concurrent_requests(self):
        time.sleep(1.2)  # the pages' CPU share refills (one second's worth)
        seq0 = self.sampler_seq()
        args = [ctl_path(BUILD_DIR), "--connect", self.node.stream_endpoint, "--timeout-ms", "10000",
                "children", POOL, "--by", "mailbox", "--json"]
        t0 = time.monotonic()
        # stdout unread: 50 pages would fill the pipes and stall the children.
        procs = [subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for _ in range(50)]
        results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
        for p in procs:
            p.stderr.close()
        MEASURED["ctl_children_50_concurrent_s"] = round(time.monotonic() - t0, 2)
        served = sum(1 for rc, _ in results if rc == 0)
        busy = sum(1 for rc, err in results if rc == 1 and "busy" in err)
        MEASURED["ctl_children_50_concurrent_served_busy"] = (served, busy)
        self.assertEqual(served + busy, 50, [r for r in results if r[0] != 0 and "busy" not in r[1]][:3])
        self.assertGreaterEqual(served, 4)
        self.assertTrue(self.node.alive())
        # The flood may end within one tick (1 s): the sampler must tick on.
        wait_for(lambda: self.sampler_seq() > seq0, 3, what="the sampler ticking after the flood")
        self.assertEqual(self.run_children(POOL, "--limit", "3").rc, 0, "served again after the flood")

    def test_6_text_table_for_people(self):
        res = self.run_children(POOL, "--limit", "3")
        self.assertEqual(res.rc, 0, res)
        self.assertIn(f"children 1..3 of {POOL_SIZE}, by mailbox", res.stdout)
        rows = [line for line in res.stdout.splitlines() if PID.search(line)]
        self.assertEqual(len(rows), 3, res.stdout)

    def sampler_seq(self):
        return self.node.eval_int("maps:get(seq, beamscope_sampler:stats())")


if __name__ == "__main__":
    main()
