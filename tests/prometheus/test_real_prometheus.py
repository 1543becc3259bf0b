"""A real Prometheus scraping a real demo node's agent and a collector.

Ground truth comes from the node itself (erl_call). Checks: process count
within 1%, the top-K mailbox series names the loaded process, label values
with quotes / newlines / unicode survive into Prometheus, promtool is clean
for both /metrics, and every PromQL expression of the Grafana dashboard
returns data.
"""

import json
import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from fleet import Collector, build_dir_from_argv  # noqa: E402
from nodes import DemoNode, wait_for  # noqa: E402
from probes import promtool_problems, scrape, within  # noqa: E402
from promserver import PrometheusServer  # noqa: E402

BUILD_DIR = build_dir_from_argv()
DASHBOARD = os.path.join(HERE, "..", "..", "exporters", "grafana", "beamscope.json")
SINK_MESSAGES = 30_000
# Enough processes that 1% means something (erl_call's own processes and
# the demo's crasher move the count by a few).
IDLE_PROCESSES = 5_000
# we"ird\na<LF>me_é✓ : a quote, a backslash, a newline and two non-ASCII characters.
AWKWARD = 'we"ird\\na\nme_\u00e9\u2713'
AWKWARD_MESSAGES = 20_000
# Seconds of history before dashboard queries: rate() windows need points.
RATE_WINDOW = "15s"


def awkward_atom():
    return "list_to_atom([" + ",".join(str(ord(c)) for c in AWKWARD) + "])"


class RealPrometheus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = DemoNode(BUILD_DIR, agent_env={"tick_ms": 500}).start()
        cls.collector = None
        cls.prom = None
        try:
            cls.node.spawn_idle(IDLE_PROCESSES)
            cls.sink_pid = cls.node.spawn_sink(messages=SINK_MESSAGES)
            cls.awkward_pid = cls.node.eval(
                f"Bs_P = spawn(fun() -> timer:sleep(infinity) end), true = register({awkward_atom()}, Bs_P), "
                f"lists:foreach(fun(I) -> Bs_P ! I end, lists:seq(1, {AWKWARD_MESSAGES})), Bs_P")
            # A mailbox growing at ~40 messages a second for 5 minutes (then
            # its feeder stops): the dashboard's growth and time-to-alarm
            # panels, and the alerts row (the sink is over mailbox_alarm).
            cls.node.eval(
                "Bs_G = spawn(fun() -> timer:sleep(infinity) end), true = register(beamscope_test_grower, Bs_G), "
                "spawn(fun() -> lists:foreach(fun(I) -> Bs_G ! I, timer:sleep(25) end, lists:seq(1, 12000)) end), ok")
            cls.collector = Collector(BUILD_DIR, [cls.node.stream_endpoint])
            cls.prom = PrometheusServer({"agent": [f"127.0.0.1:{cls.node.metrics_port}"],
                                         "collector": [cls.collector.metrics_address]}).start()
            cls.prom.wait_for_targets_up()
            wait_for(lambda: cls.prom.query('beamscope_process_mailbox_length{name="beamscope_test_sink"}'),
                     60, interval=0.5, what="the loaded sink in Prometheus")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.prom:
            cls.prom.stop()
        if cls.collector:
            cls.collector.stop()
        cls.node.stop()

    def test_process_count_matches_the_node(self):
        for job in ("agent", "collector"):
            # The demo's crasher restarts every 5 s: compare readings taken
            # close together, a few times, and keep the best.
            errors = []
            for _ in range(5):
                truth = self.node.process_count()
                seen = self.prom.query_value(f'erlang_vm_process_count{{job="{job}",node="{self.node.node_name}"}}')
                if within(seen, truth, 0.01):
                    break
                errors.append((seen, truth))
                time.sleep(1)
            else:
                self.fail(f"{job}: erlang_vm_process_count vs system_info(process_count): {errors}")

    def test_topk_mailbox_names_the_loaded_process(self):
        for job in ("agent", "collector"):
            top = self.prom.query(f'topk(1, beamscope_process_mailbox_length{{job="{job}"}})')
            self.assertEqual(len(top), 1, top)
            labels = top[0]["metric"]
            self.assertEqual(labels["name"], "beamscope_test_sink", labels)
            self.assertEqual(labels["pid"], self.sink_pid)
            self.assertEqual(labels["node"], self.node.node_name)
            truth = self.node.message_queue_len(self.sink_pid)
            self.assertTrue(within(float(top[0]["value"][1]), truth, 0.01), (top, truth))

    def test_awkward_registered_name_reaches_prometheus_intact(self):
        for job in ("agent", "collector"):
            res = self.prom.query(f'beamscope_process_mailbox_length{{job="{job}",pid="{self.awkward_pid}"}}')
            self.assertEqual(len(res), 1, res)
            self.assertEqual(res[0]["metric"]["name"], AWKWARD)
        text = scrape(self.node.metrics_url)
        self.assertIn('name="we\\"ird\\\\na\\nme_\u00e9\u2713"', text)

    def test_promtool_is_clean_for_agent_and_collector(self):
        for url in (self.node.metrics_url, self.collector.metrics_url):
            accepted, unexpected = promtool_problems(scrape(url))
            self.assertEqual(unexpected, [], url)

    def test_node_variable_lists_the_node(self):
        values = self.prom.api("label/node/values", **{"match[]": "beamscope_node_info"})
        self.assertIn(self.node.node_name, values)

    def test_every_dashboard_query_returns_data(self):
        exprs = dashboard_exprs(self.node.node_name)
        self.assertGreater(len(exprs), 30)
        # rate() over RATE_WINDOW needs two points inside it, for each job.
        wait_for(lambda: all(self.prom.query(f'count_over_time(up{{job="{job}"}}[{RATE_WINDOW}]) >= 2')
                             for job in ("agent", "collector")),
                 60, interval=0.5, what=f"two scrapes of each job within {RATE_WINDOW}")
        empty, errors = [], []
        deadline = time.monotonic() + 30  # for all queries together
        for title, expr in exprs:
            try:
                wait_for(lambda: self.prom.query(expr), max(1, deadline - time.monotonic()), interval=1, what=expr)
            except TimeoutError as e:
                # A query Prometheus refuses raises inside wait_for: say so.
                (errors if "last error" in str(e) else empty).append(f"{title}: {expr}")
        print(f"dashboard: {len(exprs) - len(empty) - len(errors)}/{len(exprs)} queries returned data",
              file=sys.stderr)
        self.assertEqual(errors, [], "queries Prometheus refused")
        self.maxDiff = None
        self.assertEqual(empty, [], "dashboard queries without data")


def dashboard_exprs(node):
    """(panel title, expr) of every target, with the variables substituted."""
    with open(DASHBOARD) as f:
        doc = json.load(f)
    out = []
    for panel in doc["panels"]:
        for t in panel.get("targets", []):
            expr = t["expr"].replace("$node", node).replace("$__rate_interval", RATE_WINDOW)
            if re.search(r"\$\w+", expr):
                raise AssertionError(f"unsubstituted variable in {expr}")
            out.append((panel["title"], expr))
    return out


if __name__ == "__main__":
    unittest.main(verbosity=2)
