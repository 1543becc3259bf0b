"""Atoms: 100,000 requests from outside, each carrying names and ids the
node has never seen (children requests for unknown and garbage supervisor
ids, other nodes' names, orders past the enum, Hellos with unique client
names, and real `beamscope-ctl children` runs with random ids), sent to a
real node's agent over its stream, create no atom in the node.

Ground truth is erlang:system_info(atom_count) read in the node. Reading it
costs an atom of its own: every erl_call connects as a hidden node with a
new name. So the flood's growth is compared with an idle window of the same
length read the same way (one read before, one after): both carry exactly
the reads' own atoms, and any atom the requests made shows as a difference.
A warm-up of 2,000 requests and one ctl run comes first: the first requests
load code (beamscope_page) whose atoms are made once, not per request; and
the demo's crasher and its burster's sleeps are off (its first crash
report loads erl_error, its first sleep the timer module). Should
the counts differ, the modules loaded meanwhile are named.
"""

import json
import random
import subprocess
import time
import unittest

from e2e_checks import MEASURED, build_dir_from_argv, main
from nodes import DemoNode, wait_for
from peer import peer_path
from probes import ctl_json, run_ctl

BUILD_DIR = build_dir_from_argv()
REQUESTS = 100_000
CTL_RUNS = 20


class Atoms(unittest.TestCase):
    def test_requests_with_unique_names_create_no_atom(self):
        with DemoNode(BUILD_DIR, demo_env={"crash_interval_ms": 0, "drain_ms_per_message": 0}) as node:
            node.start()
            wait_for(lambda: ctl_json(BUILD_DIR, node.stream_endpoint, "overview", timeout_ms=2000), 30,
                     interval=0.5, what="the agent serving")
            # The pager answers from the last walk: wait until it has one,
            # so "unknown supervisor" means looked up and not found.
            wait_for(lambda: node.eval("length(beamscope_tree:nodes())") not in ("0", ""), 30,
                     what="a tree walk")
            count = lambda: node.eval_int("erlang:system_info(atom_count)")
            peer = [peer_path(BUILD_DIR), "requests", node.stream_endpoint, node.node_name]
            warm = subprocess.run(peer + ["2000"], capture_output=True, text=True, timeout=60)
            self.assertEqual(warm.returncode, 0, warm.stderr)
            run_ctl(BUILD_DIR, ["--connect", node.stream_endpoint, "children", "beamscope_demo/warm", "--json"])

            ctl_results = []

            def ctl_children():
                for _ in range(CTL_RUNS):
                    sup = f"beamscope_demo/ctl_{random.getrandbits(64):x}"
                    ctl_results.append(run_ctl(BUILD_DIR, ["--connect", node.stream_endpoint, "--timeout-ms",
                                                           "5000", "children", sup, "--json"], timeout=30))

            modules = lambda: set(node.eval("[M || {M, _} <- code:all_loaded()]").strip("[]").split(","))
            loaded = modules()
            before = count()
            t0 = time.monotonic()
            out = subprocess.run(peer + [str(REQUESTS)], capture_output=True, text=True, timeout=150)
            # Then the real ctl, still inside the window (during the flood the
            # server may leave a newcomer's Hello for later).
            ctl_children()
            flood_s = time.monotonic() - t0
            after = count()
            loaded = sorted(modules() - loaded)
            self.assertEqual(out.returncode, 0, out.stderr)
            report = json.loads(out.stdout)

            # The idle window: as long as the flood, the same two reads.
            idle_before = count()
            time.sleep(flood_s)  # a measured window, not a wait for a condition
            idle_after = count()

            MEASURED.update(requests=report, flood_s=round(flood_s, 2), atoms_before=before,
                            atoms_after=after, idle_growth=idle_after - idle_before)
            self.assertEqual(report["sent"], REQUESTS)
            # They reached the agent and its pager, and were answered (the
            # rest is counted as lost).
            self.assertGreaterEqual(report["answered"], 0.9 * REQUESTS, report)
            busy = sum(n for e, n in report["errors"].items() if e.startswith("busy"))
            self.assertLess(busy, 0.1 * REQUESTS, report)
            # Each kind reached its check: the pager's lookup, the NIF's node check.
            errors = report["errors"]
            for kind in ("unknown supervisor id", "this agent serves node", "unknown order"):
                self.assertGreater(sum(n for e, n in errors.items() if e.startswith(kind)), 0, errors)
            self.assertEqual(len(ctl_results), CTL_RUNS)
            for res in ctl_results:
                self.assertEqual(res.rc, 1, res)
                self.assertIn("unknown supervisor id beamscope_demo/ctl_", res.stderr)

            self.assertEqual(after - before, idle_after - idle_before,
                             f"atoms grew by {after - before} during {REQUESTS} requests, "
                             f"{idle_after - idle_before} in an idle window as long; modules loaded: {loaded}")
            self.assertLessEqual(idle_after - idle_before, 2, "reading atom_count itself should cost ~1 atom")
            # The agent is still whole.
            self.assertEqual(node.eval("is_pid(whereis(beamscope_pager)) andalso is_pid(whereis(beamscope_sampler))"),
                             "true")


if __name__ == "__main__":
    main()
