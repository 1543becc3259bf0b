"""Alerts computed once in the agent, seen through beamscope-ctl and /metrics
(issue 14 item 4), on a real demo node.

Three faults run at once, so the test also shows their subjects apart:
- a growing mailbox: a registered process fed ~500 messages a second;
- a restart storm: the demo's crasher set to crash every 30 ms under
  beamscope_demo_services_sup (intensity 1000 a second, so no escalation);
- a supervisor at its intensity: beamscope_demo_chain_sup's last member
  (demo_frontend) killed 10 times (intensity 10 in 10 s).
Each must raise its alert with the right subject and figures compared with
the node's own ground truth, on `ctl alerts --json` and on /metrics
(beamscope_alert_active), then clear once the fault stops. `top --json`
shows the grower's growth and time to the alarm.
"""

import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from nodes import DemoNode, wait_for  # noqa: E402
from probes import ctl_json, samples, scrape  # noqa: E402

BUILD_DIR = None
ALARM = 100_000            # mailbox_alarm: far above what the grower reaches
FEED_PER_TICK = 50         # messages every 100 ms: ~500 a second
FEED_TICKS = 600           # stops by itself after at most 60 s (30,000 messages)
CHAIN_INTENSITY = 10       # beamscope_demo_chain_sup's flags
STORM_CRASH_MS = 30


def alerts_of(node, kind=None, subject=None):
    doc = ctl_json(BUILD_DIR, node.stream_endpoint, "alerts")
    return [a for a in doc["alerts"]
            if (kind is None or a["kind"] == kind) and (subject is None or a["subject"] == subject)]


def one_alert(node, kind, subject):
    found = alerts_of(node, kind, subject)
    return found[0] if found else None


def metric_alert(node, kind, subject):
    return [l for l, v in samples(scrape(node.metrics_url), "beamscope_alert_active")
            if l.get("kind") == kind and l.get("subject") == subject and v == 1]


class Alerts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A fast tick and walk so a fault shows within seconds (the rules
        # count samples, and restarts_in_period is read by the walk).
        cls.node = DemoNode(BUILD_DIR, agent_env={"tick_ms": 500, "tree_walk_ms": 1000,
                                                  "mailbox_alarm": ALARM}).start()

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def test_growing_mailbox_restart_storm_and_supervisor_at_intensity_raise_and_clear(self):
        node = self.node
        # --- start the three faults --------------------------------------
        grower = node.eval(
            "Bs_G = spawn(fun() -> receive drain -> ok end, "
            "  (fun Loop() -> receive _ -> Loop() after 0 -> ok end end)(), "
            "  receive stop -> ok end end), "
            "true = register(beamscope_test_grower, Bs_G), "
            "Bs_F = spawn(fun() -> (fun Feed(0) -> ok; Feed(N) -> "
            f"    [Bs_G ! {{m, I}} || I <- lists:seq(1, {FEED_PER_TICK})], "
            "    receive stop -> ok after 100 -> Feed(N - 1) end end)"
            f"({FEED_TICKS}) end), "
            "true = register(beamscope_test_feeder, Bs_F), Bs_G")
        services_sup = node.eval("whereis(beamscope_demo_services_sup)")
        chain_sup = node.eval("whereis(beamscope_demo_chain_sup)")
        # The crasher reads crash_interval_ms at each start: the next
        # restart picks it up.
        node.eval(f"application:set_env(beamscope_demo, crash_interval_ms, {STORM_CRASH_MS}), "
                  "exit(whereis(beamscope_demo_crasher), kill), ok")
        storm_started = time.monotonic()
        # Ten kills of the chain's last member, each after its restart.
        kills = node.eval_int(
            "lists:foldl(fun(_, N) -> P = whereis(demo_frontend), exit(P, kill), "
            "  (fun W(T) when T > 100 -> exit(no_restart); W(T) -> "
            "     case whereis(demo_frontend) of Q when is_pid(Q), Q =/= P -> ok; "
            "       _ -> timer:sleep(10), W(T + 1) end end)(0), N + 1 end, "
            f"0, lists:seq(1, {CHAIN_INTENSITY}))")
        self.assertEqual(kills, CHAIN_INTENSITY)

        # --- supervisor at its intensity (first: its period is 10 s) --------
        at = wait_for(lambda: [a for a in alerts_of(node, "supervisor_intensity")
                               if a["pid"] == chain_sup and a["severity"] == "critical"],
                      30, interval=0.5, what="supervisor_intensity alert for beamscope_demo_chain_sup")[0]
        self.assertEqual(at["name"], "beamscope_demo_chain_sup")
        self.assertEqual(at["value"], CHAIN_INTENSITY)
        self.assertEqual(at["limit"], CHAIN_INTENSITY)
        self.assertTrue(metric_alert(node, "supervisor_intensity", at["subject"]))

        # --- growing mailbox ----------------------------------------------
        grow = wait_for(lambda: one_alert(node, "mailbox_growing", grower), 30, interval=0.5,
                        what="mailbox_growing alert for the grower")
        self.assertEqual(grow["pid"], grower)
        self.assertEqual(grow["name"], "beamscope_test_grower")
        self.assertEqual(grow["subject_type"], "process")
        self.assertEqual(grow["limit"], ALARM)
        # Ground truth: the node's own mailbox growth over a few seconds.
        t0, q0 = time.monotonic(), node.message_queue_len(grower)
        time.sleep(3)
        t1, q1 = time.monotonic(), node.message_queue_len(grower)
        true_rate = (q1 - q0) / (t1 - t0)
        # The figures are one sample's: two samples close together (an early
        # tick) can show no growth between the feeder's bursts; take one that does.
        grow = wait_for(lambda: [a for a in alerts_of(node, "mailbox_growing", grower) if a["rate_per_s"] > 0],
                        10, interval=0.3, what="the grower's alert with a rate")[0]
        self.assertGreater(true_rate, 50, "the feeder must have run")
        self.assertTrue(0.4 * true_rate <= grow["rate_per_s"] <= 2.5 * true_rate, (grow, true_rate))
        # seconds_to_limit is the agent's: (limit - value) / rate of one sample.
        self.assertGreater(grow["seconds_to_limit"], 0)
        self.assertAlmostEqual(grow["seconds_to_limit"], (ALARM - grow["value"]) / grow["rate_per_s"],
                               delta=0.01 * grow["seconds_to_limit"])
        self.assertLessEqual(grow["value"], node.message_queue_len(grower))
        self.assertTrue(metric_alert(node, "mailbox_growing", grower))
        # ctl and /metrics read one sample each, so the same holds: a read
        # between the feeder's bursts can say 0; one within 10 s must not.
        def top_row():
            top = ctl_json(BUILD_DIR, node.stream_endpoint, "top", "--by", "mailbox", "--limit", "50")
            return [p for p in top["processes"]
                    if p["pid"] == grower and p["mailbox_growth_per_s"] > 0 and p["seconds_to_threshold"] > 0]
        wait_for(top_row, 10, interval=0.3, what="the grower's growth in ctl top")

        def metric_growth():
            got = {l["pid"]: v for l, v in
                   samples(scrape(node.metrics_url), "beamscope_process_mailbox_growth_per_second")}
            return got.get(grower, 0) > 0
        wait_for(metric_growth, 10, interval=0.3, what="the grower's growth on /metrics")

        # --- restart storm -------------------------------------------------
        storm = wait_for(lambda: [a for a in alerts_of(node, "restart_storm") if a["pid"] == services_sup],
                         30, interval=0.5, what="restart_storm alert for beamscope_demo_services_sup")[0]
        self.assertEqual(storm["name"], "beamscope_demo_services_sup")
        self.assertTrue(storm["subject"].endswith("/beamscope_demo_services_sup"), storm)
        self.assertEqual(storm["subject_type"], "tree_entry")
        self.assertEqual(storm["severity"], "critical")
        # At most one restart per crash interval (plus the kill), at least
        # the rule's 10 in 10 s.
        elapsed = time.monotonic() - storm_started
        self.assertGreaterEqual(storm["value"], 10)
        self.assertLessEqual(storm["value"], min(10, elapsed) * 1000 / STORM_CRASH_MS + 2, (storm, elapsed))
        self.assertTrue(metric_alert(node, "restart_storm", storm["subject"]))
        # Only the supervisor whose children restart, not its parents.
        self.assertEqual([a["name"] for a in alerts_of(node, "restart_storm")], ["beamscope_demo_services_sup"])


        # --- stop the faults: every alert clears ----------------------------
        node.eval("beamscope_test_feeder ! stop, beamscope_test_grower ! drain, "
                  "application:set_env(beamscope_demo, crash_interval_ms, 0), "
                  "exit(whereis(beamscope_demo_crasher), kill), ok")
        stopped = time.monotonic()
        wait_for(lambda: node.message_queue_len(grower) == 0, 30, what="the grower drained")
        wait_for(lambda: not alerts_of(node, "mailbox_growing", grower), 20, interval=0.5,
                 what="mailbox_growing to clear")
        # The storm window is 10 s; chain_sup's period is 10 s from its last kill.
        wait_for(lambda: not alerts_of(node, "restart_storm"), 40, interval=0.5, what="restart_storm to clear")
        wait_for(lambda: not [a for a in alerts_of(node, "supervisor_intensity") if a["pid"] == chain_sup],
                 40, interval=0.5, what="supervisor_intensity to clear")
        self.assertFalse(metric_alert(node, "restart_storm", storm["subject"]))
        self.assertFalse(metric_alert(node, "mailbox_growing", grower))
        print(f"alerts: grower {grow['rate_per_s']:.0f}/s (node {true_rate:.0f}/s), storm {storm['value']:.0f} "
              f"restarts in 10 s, chain_sup {at['value']:.0f}/{at['limit']:.0f}; all clear "
              f"{time.monotonic() - stopped:.1f} s after the faults stopped")


class FirstScrape(unittest.TestCase):
    def test_monitor_families_are_in_a_quiet_nodes_first_scrape(self):
        # A node with the agent alone: no demo, nothing crashes, no monitor
        # event. The first scrape after the application started must hold
        # beamscope_monitor_enabled and every event kind's counter at 0.
        with DemoNode(BUILD_DIR, start_demo=False) as node:
            node.start()
            self.assertTrue(node.start_agent().startswith("{ok,"))
            text = scrape(node.metrics_url)
            self.assertTrue(samples(text, "beamscope_node_info"), "the first scrape has the node's state")
            self.assertEqual([v for _, v in samples(text, "beamscope_monitor_enabled")], [1.0], text[-2000:])
            counters = {l["kind"]: v for l, v in samples(text, "beamscope_monitor_events_total")}
            self.assertEqual(sorted(counters), ["busy_dist_port", "busy_port", "large_heap", "long_gc",
                                                "long_message_queue", "long_schedule"])
            self.assertEqual(set(counters.values()), {0.0})
            # Nothing happened meanwhile: the node's event ring is empty.
            self.assertEqual(node.eval("element(1, beamscope_events:snapshot())"), "[]")
            # And the alerts are there from the start too, with nothing raised.
            self.assertEqual([v for _, v in samples(text, "beamscope_alerts_omitted")], [0.0])


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--build-dir" in args:
        i = args.index("--build-dir")
        BUILD_DIR = os.path.abspath(args[i + 1])
        del args[i:i + 2]
    else:
        BUILD_DIR = os.path.abspath(os.path.join(HERE, "..", "..", "build"))
    unittest.main(argv=[sys.argv[0]] + args, verbosity=2)
