"""Faults: the collector killed with SIGKILL while two agents stream to it,
then started again on the same ports. The agents do not notice (their
sweeps go on, their pids stay, nothing in their logs), and a viewer
connected to the collector sees the nodes go and come back by itself.
"""

import re
import time
import unittest

from collector_proc import Collector
from e2e_checks import MEASURED, build_dir_from_argv, main
from nodes import DemoNode, wait_for
from peer import Watcher
from probes import samples, scrape

BUILD_DIR = build_dir_from_argv()
QUIET = {"crash_interval_ms": 0}
AGENT_PROCS = "[whereis(N) || N <- [beamscope_sampler, beamscope_tree, beamscope_events, beamscope_pager]]"
# What trouble would look like in a node's log (the demo's crasher is off,
# so nothing in these nodes has a reason to report an error).
TROUBLE = re.compile(r"error|crash|terminat|exit|warning", re.IGNORECASE)


def sweeps(node):
    return node.eval_int("maps:get(sweeps_total, beamscope_sampler:sweep_stats())")


class CollectorKilled(unittest.TestCase):
    def test_agents_unaffected_viewer_reconnects(self):
        with DemoNode(BUILD_DIR, name_prefix="bsfault_a", demo_env=QUIET) as a, \
                DemoNode(BUILD_DIR, name_prefix="bsfault_b", demo_env=QUIET) as b:
            a.start()
            b.start()
            nodes = {a.node_name, b.node_name}
            first = Collector(BUILD_DIR, [a.stream_endpoint, b.stream_endpoint])
            second = None
            try:
                with Watcher(BUILD_DIR, first.listen, seconds=150) as viewer:
                    viewer.wait_nodes(nodes, timeout=30)
                    pids = {n.name: n.eval(AGENT_PROCS) for n in (a, b)}
                    before = {n.name: sweeps(n) for n in (a, b)}

                    first.kill9()
                    killed = time.monotonic()
                    # The viewer hears nothing for its silence timeout and
                    # says so; meanwhile the agents go on sweeping.
                    wait_for(lambda: {n for t, n in viewer.gone if t >= killed} >= nodes, 15,
                             what="the viewer to report the nodes gone")
                    for n in (a, b):
                        wait_for(lambda n=n: sweeps(n) >= before[n.name] + 2, 30,
                                 what=f"{n.name} to sweep with the collector down")

                    second = Collector(BUILD_DIR, [a.stream_endpoint, b.stream_endpoint],
                                       listen=first.listen, metrics_port=first.metrics_port)
                    restarted = time.monotonic()
                    viewer.wait_nodes(nodes, timeout=30, since=restarted)
                    back_s = max(min(t for t, node, *_ in viewer.frames if node == n and t >= restarted)
                                 for n in nodes) - restarted
                    MEASURED["viewer_back_after_restart_s"] = round(back_s, 2)
                    MEASURED["viewer_silent_s"] = round(restarted - killed, 2)

                    # The restarted collector serves both nodes on /metrics too.
                    served = wait_for(lambda: {l.get("node") for l, _ in samples(scrape(second.metrics_url),
                                                                                "erlang_vm_process_count")} >= nodes,
                                      30, what="both nodes on the restarted collector's /metrics")
                    self.assertTrue(served)
                    # Frames keep coming: deltas after the keyframe.
                    for n in nodes:
                        wait_for(lambda n=n: any(k == "delta" for *_, k in viewer.frames_since(n, restarted)), 15,
                                 what=f"deltas of {n} after the restart")

                for n in (a, b):
                    self.assertEqual(n.eval(AGENT_PROCS), pids[n.name], f"an agent process of {n.name} restarted")
                    self.assertGreater(sweeps(n), before[n.name] + 2)
                    self.assertTrue(n.alive())
                    log = n.log_tail(400)
                    MEASURED[f"log_lines_{n.name[:9]}"] = len(log.splitlines())
                    trouble = [l for l in log.splitlines() if TROUBLE.search(l)]
                    self.assertEqual(trouble, [], f"{n.name} log:\n" + "\n".join(trouble))
            finally:
                first.stop()
                if second:
                    second.stop()


if __name__ == "__main__":
    main()
