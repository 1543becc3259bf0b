"""The agent at full load (issue 12): a demo node with 30,000 extra
processes, then 64 pairs bouncing a message as fast as they can on every
scheduler for 15 s. The sweep keeps most of its quiet pace, the ticks
publish on time, and what the agent charges itself stays within its
budget. Ground truth: the sampler's counters read in the VM, the pace
compared with the same node's quiet one just before.

Why it is here: a tick or a sweep chunk asks process_info of busy
processes and waits for their answers while its scheduler runs them; its
thread's CPU clock counted that work as the agent's. Ticks of 1.3 ms were
charged 2-240 ms, the sweep slowed to under half its pace (in
bench/stream_flood, with a flood besides, it stopped), and a viewer's
longest gap between frames was 3.3 s once the sweep was let go by CPU time
alone (a step of such chunks held the tick back).
Each cost is now at most twice the cheapest per unit seen
(beamscope_cost:cap_by_best/3); a sweep step ends after 50 ms of wall
time whatever its credit, or as soon as a message (the tick) waits for the
sampler, and its chunks are sized by their wall time as well as their
charge.
"""

import time
import unittest

from e2e_checks import MEASURED, build_dir_from_argv, main
from nodes import DemoNode

BUILD_DIR = build_dir_from_argv()
EXTRA_PROCESSES = 30_000
PAIRS = 64
QUIET_S = 5.0
WINDOW_S = 15.0
# From the load's start: 0.58-0.88 at load 3-5 (chunks sized by their wall
# time too, so the tick is not held back, cost some pace); before the cap
# 0.43-0.46 here, and 0 in bench/stream_flood's flood phases.
MIN_PACE = 0.5

WORKLOAD = ("persistent_term:put(bs_pairs, [spawn(fun() -> "
            "E = spawn(fun Echo() -> receive {F, M} -> F ! M, Echo(); stop -> ok end end), "
            "(fun Bs_Loop() -> E ! {self(), p}, receive p -> Bs_Loop(); stop -> E ! stop end end)() end) "
            f"|| _ <- lists:seq(1, {PAIRS})]), ok")
STOP = "[P ! stop || P <- persistent_term:get(bs_pairs)], persistent_term:erase(bs_pairs)"
FIGURES = ("{maps:get(swept_total, beamscope_sampler:sweep_stats()), "
           "maps:get(charged_total_us, beamscope_sampler:sweep_stats()), "
           "maps:get(frames_published, beamscope_sampler:stats())}")


def figures(node):
    swept, charged, frames = (int(x) for x in node.eval(FIGURES).strip("{}").split(","))
    return swept, charged, frames, time.monotonic()


class FullLoad(unittest.TestCase):
    def test_the_sweep_and_the_ticks_go_on_at_full_load(self):
        with DemoNode(BUILD_DIR) as node:
            node.start()
            node.spawn_idle(EXTRA_PROCESSES)
            schedulers = node.eval_int("erlang:system_info(schedulers_online)")
            budget = 0.01  # the default: the demo node sets none
            time.sleep(3)  # a first sweep of the filled node
            q0 = figures(node)
            time.sleep(QUIET_S)
            q1 = figures(node)
            quiet_pace = (q1[0] - q0[0]) / (q1[3] - q0[3])
            # From the load's start: its first seconds are when the hot set
            # takes in the busy pairs and the ticks' charges were largest.
            l0 = figures(node)
            self.assertEqual(node.eval(WORKLOAD), "ok")
            try:
                time.sleep(WINDOW_S)
                l1 = figures(node)
            finally:
                node.eval(STOP)
            seconds = l1[3] - l0[3]
            pace = (l1[0] - l0[0]) / seconds
            frames = l1[2] - l0[2]
            charged_share = (l1[1] - l0[1]) / (seconds * 1e6 * schedulers)
            MEASURED.update(quiet_pace_per_s=round(quiet_pace), loaded_pace_per_s=round(pace),
                            pace_ratio=round(pace / max(quiet_pace, 1), 2), frames_in_window=frames,
                            window_s=round(seconds, 1), charged_share=round(charged_share, 4))
            self.assertGreater(quiet_pace, 0)
            self.assertGreaterEqual(pace, MIN_PACE * quiet_pace, MEASURED)
            # A tick a second (tick_ms 1000): on time within a couple.
            self.assertGreaterEqual(frames, int(seconds) - 3, MEASURED)
            # The pacer lends about a second's worth ahead at most.
            self.assertLessEqual(charged_share, budget * (1 + 1.5 / seconds) + 0.002, MEASURED)


if __name__ == "__main__":
    main()
