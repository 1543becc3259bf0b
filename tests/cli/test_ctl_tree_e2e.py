"""beamscope-ctl `tree --json` and `events --json` against a real demo node
running the agent: the tree ctl prints equals a which_children walk done
inside the node, and killing a child three times shows up as three restarts
with reasons (and three events) within seconds.

  test_ctl_tree_e2e.py --build-dir BUILD
"""

import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from e2e_checks import MEASURED, build_dir_from_argv, main  # noqa: E402
from nodes import DemoNode, wait_for  # noqa: E402
from probes import ctl_json, run_ctl  # noqa: E402

BUILD_DIR = build_dir_from_argv()
APP = "beamscope_demo"
CRASHER = "beamscope_demo_crasher"
PID = re.compile(r"<\d+\.\d+\.\d+>")

# Every supervised pid under the demo's top supervisor, walked inside the node.
TRUTH_EXPR = (
    "Bs_W = fun Bs_W(S) -> lists:flatmap(fun({_, P, supervisor, _}) when is_pid(P) -> [P | Bs_W(P)]; "
    "({_, P, _, _}) when is_pid(P) -> [P]; (_) -> [] end, supervisor:which_children(S)) end, "
    "Bs_Top = whereis(beamscope_demo_sup), [pid_to_list(P) || P <- [Bs_Top | Bs_W(Bs_Top)]]")


def walk(entry, depth=0):
    yield entry, depth
    for c in entry["children"]:
        yield from walk(c, depth + 1)


def find_app(doc, name):
    return next((a for a in doc["applications"] if a["name"] == name), None)


def find_entry(doc, name):
    for app in doc["applications"]:
        for e, _ in walk(app):
            if e["name"] == name or e["registered_name"] == name:
                return e
    return None


class CtlTree(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # No timed crashes: the test makes its own, and counts them.
        cls.node = DemoNode(BUILD_DIR, demo_env={"crash_interval_ms": 0}, name_prefix="ctltree")
        cls.node.start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def ctl(self, command, *extra):
        return ctl_json(BUILD_DIR, self.node.stream_endpoint, command, *extra)

    def test_1_tree_matches_which_children_walk(self):
        seen = {}

        def same():
            truth = set(PID.findall(self.node.eval(TRUTH_EXPR)))
            doc = self.ctl("tree")
            app = find_app(doc, APP)
            if app is None:
                return False
            got = {e["pid"] for e, _ in walk(app) if e["kind"] in ("supervisor", "worker") and e["pid"]}
            paged = [e["id"] for e, _ in walk(app) if e["children_paged"]]
            seen.update(truth=truth, got=got, paged=paged, doc=doc)
            return truth == got and not paged

        try:
            wait_for(same, 20, interval=0.5, what="ctl tree == which_children walk")
        except TimeoutError as e:
            self.fail(f"{e}: only in node {sorted(seen.get('truth', set()) - seen.get('got', set()))}, "
                      f"only in ctl {sorted(seen.get('got', set()) - seen.get('truth', set()))}, "
                      f"paged {seen.get('paged')}")
        doc = seen["doc"]
        app = find_app(doc, APP)
        self.assertEqual(app["kind"], "application")
        top = app["children"][0]
        self.assertEqual(top["kind"], "supervisor")
        self.assertEqual((top["strategy"], top["intensity"], top["period_s"]), ("one_for_one", 10, 10))
        self.assertIsNotNone(top["headroom"])
        pool = find_entry(doc, "beamscope_demo_pool_sup")
        self.assertEqual(pool["strategy"], "simple_one_for_one")
        self.assertEqual(pool["children_total"], self.node.eval_int(
            "length(supervisor:which_children(beamscope_demo_pool_sup))"))
        crasher = find_entry(doc, CRASHER)
        self.assertEqual(crasher["kind"], "worker")
        self.assertEqual(crasher["restart_type"], "permanent")
        self.assertIsNone(crasher["headroom"])
        self.assertIn(CRASHER, crasher["modules"])
        MEASURED["tree_entries"] = doc["entries"]
        MEASURED["tree_walk_duration_us"] = doc["tree_stats"]["walk_duration_us"]

    def test_2_three_kills_three_restarts_with_reasons(self):
        before = find_entry(self.ctl("tree"), CRASHER)["restarts_total"]
        t_last_kill = None
        for _ in range(3):
            old = wait_for(lambda: (lambda p: p if p.startswith("<") else None)(
                self.node.eval(f"whereis({CRASHER})")), 10, what="a running crasher")
            self.node.kill(old)
            t_last_kill = time.monotonic()
            wait_for(lambda: self.node.eval(f"whereis({CRASHER})") not in (old, "undefined"), 10,
                     interval=0.05, what="the crasher restarted")
        seen = {}

        def counted():
            e = find_entry(self.ctl("tree"), CRASHER)
            seen["entry"] = e
            return e["restarts_total"] - before == 3 and \
                sum("killed" in r["reason"] for r in e["recent_restarts"]) >= 3

        try:
            wait_for(counted, 10, interval=0.2, what="3 restarts with reasons in ctl tree")
        except TimeoutError as e:
            self.fail(f"{e}: last entry {seen.get('entry')}")
        latency = time.monotonic() - t_last_kill
        MEASURED["restart_visible_in_ctl_s"] = round(latency, 2)
        self.assertLess(latency, 3.0, "restarts took too long to reach ctl (issue: within 2 s, plus ctl start)")
        for r in seen["entry"]["recent_restarts"][-3:]:
            self.assertTrue(PID.fullmatch(r["old_pid"]), r)
            # The agent may learn the new pid only at its next walk: "" until then.
            self.assertTrue(r["new_pid"] == "" or PID.fullmatch(r["new_pid"]), r)
            self.assertNotEqual(r["old_pid"], r["new_pid"])
            self.assertGreater(r["time_us"], 0)

        # Events travel on their own publish (coalesced for 20 ms), so they may
        # trail the tree by a moment: wait for them, within the second.
        got = {}

        def three_events():
            got["events"] = self.ctl("events")["events"]
            got["ours"] = [e for e in got["events"]
                           if e["child"] == seen["entry"]["id"] and "killed" in e["reason"]]
            return len(got["ours"]) >= 3

        try:
            wait_for(three_events, 2, interval=0.1, what="3 restart events in ctl events")
        except TimeoutError as e:
            self.fail(f"{e}: events {got.get('events', [])[-6:]}")
        events, ours = got["events"], got["ours"]
        for e in ours:
            self.assertIn(e["kind"], ("child_terminated", "crash_report"))
            self.assertTrue(e["supervisor"])
        ids = [e["id"] for e in events]
        self.assertEqual(ids, sorted(ids), "events are oldest first")
        limited = self.ctl("events", "--limit", "2")["events"]
        self.assertEqual([e["id"] for e in limited], ids[-2:])

    def test_3_text_output_for_people(self):
        res = run_ctl(BUILD_DIR, ["--connect", self.node.stream_endpoint, "tree"])
        self.assertEqual(res.rc, 0, res)
        self.assertRegex(res.stdout, r"\n +beamscope_demo_crasher \[worker\] <\d+\.\d+\.\d+>")
        MEASURED["ctl_tree_s"] = round(res.seconds, 3)
        res = run_ctl(BUILD_DIR, ["--connect", self.node.stream_endpoint, "events"])
        self.assertEqual(res.rc, 0, res)


if __name__ == "__main__":
    main()
