"""Faults (soak, 60 s): a viewer stopped with SIGSTOP and a viewer that asks
for the stream and pages 50 times a second but never reads, at a node with
20,000 extra processes. The agent's memory stays bounded (erlang:memory()
and the beam's RSS, read every 5 s, flat over the second half), the viewer
that reads keeps receiving deltas (no gap over 3 s at a 1 s tick), and the
stopped viewer catches up once continued.
"""

import time
import unittest

from e2e_checks import MEASURED, build_dir_from_argv, main
from nodes import DemoNode, wait_for
from peer import NoReader, Watcher, beam_os_counts
from probes import ctl_json

BUILD_DIR = build_dir_from_argv()
STOPPED_S = 60
MIB = 1024 * 1024
# Growth allowed over the whole stop (allocator carriers, the first
# keyframes' buffers) and over its second half (where a leak would show).
GROWTH_BYTES = 16 * MIB
SECOND_HALF_BYTES = 4 * MIB
MAX_GAP_S = 3.0


class ViewerStopped(unittest.TestCase):
    def test_stopped_and_unread_viewers_cost_bounded_memory(self):
        with DemoNode(BUILD_DIR) as node:
            node.start()
            node.spawn_idle(20_000)
            os_pid = node.eval("os:getpid()").strip('"')
            with Watcher(BUILD_DIR, node.stream_endpoint, STOPPED_S + 60) as good, \
                    Watcher(BUILD_DIR, node.stream_endpoint, STOPPED_S + 60) as stopped:
                good.wait_nodes({node.node_name}, timeout=30)
                stopped.wait_nodes({node.node_name}, timeout=30)
                with NoReader(BUILD_DIR, node.stream_endpoint, STOPPED_S + 30, rate=50, node=node.node_name) as talker:
                    stopped.pause()
                    t0 = time.monotonic()
                    readings = []
                    while time.monotonic() - t0 < STOPPED_S:
                        erts = node.eval_int("erlang:memory(total)")
                        readings.append((time.monotonic() - t0, erts, beam_os_counts(os_pid)["rss_kb"] * 1024))
                        time.sleep(5)  # a reading every 5 s: the measurement's pace, not a wait
                    t1 = time.monotonic()
                    self.assertIsNone(talker.proc.poll(), "the never-reading viewer exited early")
                    # A newcomer while both misbehave: how long until it is answered.
                    asked = time.monotonic()
                    doc = wait_for(lambda: ctl_json(BUILD_DIR, node.stream_endpoint, "overview"), 60,
                                   interval=0.2, what="a new viewer's overview")
                    newcomer_s = time.monotonic() - asked
                stopped.resume()
                resumed = time.monotonic()
                stopped.wait_nodes({node.node_name}, timeout=20, since=resumed)
                gap = good.max_gap(node.node_name, t0, t1)
                deltas = [f for f in good.frames_since(node.node_name, t0) if f[0] <= t1 and f[3] == "delta"]

            erts = [r[1] for r in readings]
            rss = [r[2] for r in readings]
            half = len(readings) // 2
            MEASURED.update(
                erts_mib=[round(v / MIB, 1) for v in erts], rss_mib=[round(v / MIB, 1) for v in rss],
                good_viewer_max_gap_s=round(gap, 2), good_viewer_deltas=len(deltas),
                newcomer_overview_s=round(newcomer_s, 2),
                agent=doc.get("agent"), stopped_viewer_back_s=round(
                    min(t for t, *_ in stopped.frames_since(node.node_name, resumed)) - resumed, 2))
            self.assertGreaterEqual(len(readings), 10)
            self.assertLessEqual(max(erts) - erts[0], GROWTH_BYTES)
            self.assertLessEqual(max(rss) - rss[0], GROWTH_BYTES)
            self.assertLessEqual(max(erts[half:]) - erts[half], SECOND_HALF_BYTES)
            self.assertLessEqual(max(rss[half:]) - rss[half], SECOND_HALF_BYTES)
            self.assertLessEqual(gap, MAX_GAP_S)
            self.assertGreaterEqual(len(deltas), STOPPED_S * 0.8)
            self.assertTrue(node.alive())


if __name__ == "__main__":
    main()
