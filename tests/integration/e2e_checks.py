"""The issue's end-to-end checks, shared by the agent and collector tests:
a demo node loaded with 50,000 extra processes and one 10,000-message
mailbox, seen through beamscope-ctl and through /metrics.
"""

import argparse
import os
import sys
import time
import unittest

from nodes import DemoNode, wait_for
from probes import ctl_json, promtool_problems, samples, scrape, within

EXTRA_PROCESSES = 50_000
SINK_MESSAGES = 10_000
TOLERANCE = 0.01
CONVERGE_S = 45  # the agent samples every second; a sweep at 50k takes well under that

# Numbers worth reporting, printed at the end of each test program.
MEASURED = {}


def build_dir_from_argv():
    """`--build-dir DIR` (from ctest) or $BEAMSCOPE_BUILD_DIR or ./build."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--build-dir", default=os.environ.get("BEAMSCOPE_BUILD_DIR", "build"))
    args, rest = parser.parse_known_args()
    sys.argv[1:] = rest
    return os.path.abspath(args.build_dir)


def start_loaded_node(build_dir):
    """A demo node with the agent, 50,000 idle extra processes and a sink
    holding 10,000 messages. Returns (node, sink_pid)."""
    node = DemoNode(build_dir)
    try:
        node.start()
        t0 = time.monotonic()
        node.spawn_idle(EXTRA_PROCESSES)
        sink = node.spawn_sink(SINK_MESSAGES)
        MEASURED["load_s"] = round(time.monotonic() - t0, 2)
    except BaseException:
        node.stop()
        raise
    return node, sink


class LoadedNodeChecks:
    """Mixin for unittest.TestCase. Subclasses set in setUpClass:
    build_dir, node (DemoNode), sink (pid string), endpoint (ctl target),
    metrics_url, metrics_labels (labels the process count sample must have),
    ctl_node (--node value or None)."""

    ctl_node = None
    metrics_labels = {}

    def ctl(self, command, *extra):
        return ctl_json(self.build_dir, self.endpoint, command, *extra, node=self.ctl_node)

    def test_overview_process_count_matches_node(self):
        seen = {}

        def close_enough():
            truth = self.node.process_count()
            t0 = time.monotonic()
            doc = self.ctl("overview")
            seen.update(truth=truth, reported=doc["process_count"], ctl_s=time.monotonic() - t0, doc=doc)
            # The mailbox histogram describes the last complete sweep, which
            # is paced by the agent's CPU budget: wait for one that saw the sink.
            return (doc["process_count"] >= EXTRA_PROCESSES and within(doc["process_count"], truth, TOLERANCE)
                    and doc["mailbox"]["sum"] >= SINK_MESSAGES)

        t0 = time.monotonic()
        try:
            wait_for(close_enough, CONVERGE_S, interval=0.5, what="ctl overview process_count")
        except TimeoutError as e:
            self.fail(f"{e}; last: node {seen.get('truth')} vs ctl {seen.get('reported')}, "
                      f"mailbox sum {seen.get('doc', {}).get('mailbox', {}).get('sum')}")
        MEASURED[f"{self.kind}_overview_converge_s"] = round(time.monotonic() - t0, 2)
        MEASURED[f"{self.kind}_ctl_overview_s"] = round(seen["ctl_s"], 3)
        MEASURED[f"{self.kind}_process_count"] = (seen["truth"], seen["reported"])
        doc = seen["doc"]
        self.assertEqual(doc["node"], self.node.node_name)
        self.assertGreater(doc["memory_bytes"]["total"], 0)
        self.assertTrue(doc["scheduler_utilization"], "no scheduler utilization")

    def test_top_by_mailbox_puts_sink_first(self):
        last = {}

        def sink_first():
            doc = self.ctl("top", "--by", "mailbox", "--limit", "5")
            last["doc"] = doc
            procs = doc["processes"]
            return procs and procs[0]["pid"] == self.sink and procs[0]["message_queue_len"] >= SINK_MESSAGES

        try:
            wait_for(sink_first, CONVERGE_S, interval=0.5, what=f"{self.sink} first in top --by mailbox")
        except TimeoutError as e:
            self.fail(f"{e}; last document: {last.get('doc')}")
        doc = last["doc"]
        self.assertEqual(doc["by"], "mailbox")
        self.assertLessEqual(len(doc["processes"]), 5)
        self.assertEqual(doc["processes"][0]["registered_name"], "beamscope_test_sink")
        self.assertGreaterEqual(self.node.message_queue_len(self.sink), SINK_MESSAGES)

    def test_metrics_pass_promtool_and_match_process_count(self):
        last = {}

        def close_enough():
            truth = self.node.process_count()
            text = scrape(self.metrics_url)
            values = [v for labels, v in samples(text, "erlang_vm_process_count")
                      if all(labels.get(k) == want for k, want in self.metrics_labels.items())]
            last.update(text=text, truth=truth, values=values)
            return len(values) == 1 and values[0] >= EXTRA_PROCESSES and within(values[0], truth, TOLERANCE)

        try:
            wait_for(close_enough, CONVERGE_S, interval=0.5, what="erlang_vm_process_count")
        except TimeoutError as e:
            self.fail(f"{e}; node {last.get('truth')}, /metrics {last.get('values')}")
        MEASURED[f"{self.kind}_metrics_process_count"] = (last["truth"], last["values"][0])
        accepted, unexpected = promtool_problems(last["text"])
        MEASURED[f"{self.kind}_promtool_accepted"] = sorted(l.split(" ", 1)[0] for l in accepted)
        self.assertEqual(unexpected, [], "promtool complaints beyond the prometheus.erl names")


def main():
    """unittest.main that prints MEASURED afterwards, for the issue note."""
    prog = unittest.main(verbosity=2, exit=False)
    for k, v in sorted(MEASURED.items()):
        print(f"measured {k}: {v}")
    sys.exit(0 if prog.result.wasSuccessful() else 1)
