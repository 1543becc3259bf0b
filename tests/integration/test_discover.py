"""A collector that finds a cluster's nodes (issue 15 item 5, --discover),
with real distributed nodes, a real collector and real ctl.

Three `erl -sname` nodes: A and B run the agent, C does not (the agent is
loaded, not started). The collector is given A only. Once A is connected to
B and C, the collector follows B by itself (B's agent, as A's agent reports
it) with B's own numbers, and never C. A node that joins later is found
too.
Python 3 stdlib only."""

import unittest
import uuid

from collector_proc import Collector
from e2e_checks import build_dir_from_argv, main
from nodes import DemoNode, wait_for
from probes import ctl_json, samples, scrape

BUILD_DIR = build_dir_from_argv()


def cluster_node(prefix, cookie, **kw):
    """A demo node sharing `cookie`: a cluster's nodes must (with OTP 25+'s
    prevent_overlapping_partitions, global disconnects a node whose peers
    cannot all reach each other)."""
    node = DemoNode(BUILD_DIR, name_prefix=prefix, **kw)
    node.cookie = cookie
    return node.start()


def connect(a, b):
    res = a.eval(f"net_adm:ping('{b.node_name}')")
    if res != "pong":
        raise AssertionError(f"{a.node_name} could not reach {b.node_name}: {res}")


class Discover(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cookie = uuid.uuid4().hex
        cls.a = cluster_node("bsdisc_a", cls.cookie)
        cls.b = cluster_node("bsdisc_b", cls.cookie)
        cls.c = cluster_node("bsdisc_c", cls.cookie, start_demo=False)
        cls.collector = Collector(BUILD_DIR, [cls.a.stream_endpoint], extra_args=["--discover"])

    @classmethod
    def tearDownClass(cls):
        cls.collector.stop()
        for n in (cls.a, cls.b, cls.c):
            n.stop()

    def nodes_at_collector(self):
        text = scrape(self.collector.metrics_url)
        return {labels["node"] for labels, _ in samples(text, "erlang_vm_process_count")}

    def test_cluster_is_found_from_one_node(self):
        wait_for(lambda: self.nodes_at_collector() == {self.a.node_name}, 30, interval=0.5,
                 what="the seed node alone at the collector")
        connect(self.a, self.b)
        connect(self.a, self.c)
        try:
            wait_for(lambda: self.b.node_name in self.nodes_at_collector(), 40, interval=0.5,
                     what=f"{self.b.node_name} discovered through {self.a.node_name}")
        except TimeoutError as e:
            raise AssertionError(f"{e}\n--- collector ---\n{self.collector.log_text()}\n--- A's peers ---\n"
                                 f"{self.a.eval('sys:get_state(beamscope_peers)')}") from None

        # B as B itself counts it: the demo is quiet once started.
        def matches():
            doc = ctl_json(BUILD_DIR, self.collector.listen, "overview", node=self.b.node_name)
            truth = self.b.process_count()
            return doc if abs(doc["process_count"] - truth) <= max(10, truth // 20) else None
        doc = wait_for(matches, 30, interval=1, what="B's process count at the collector to match B's own")
        self.assertEqual(doc["node"], self.b.node_name)

        # What A reports, as ctl shows it: B, not C.
        peers = ctl_json(BUILD_DIR, self.a.stream_endpoint, "overview")["agent"]["peer_agents"]
        self.assertEqual(peers, [{"node": self.b.node_name, "endpoint": self.b.stream_endpoint, "encrypted": False}])

        # C runs no agent: connected, never followed.
        self.assertNotIn(self.c.node_name, self.nodes_at_collector())
        fleet = scrape(self.collector.metrics_url)
        found = [v for _, v in samples(fleet, "beamscope_collector_discovered_agents")]
        self.assertEqual(found, [1.0], fleet[-1500:])

        # A node that joins the cluster later is found as well.
        d = cluster_node("bsdisc_d", self.cookie)
        try:
            connect(self.b, d)  # through B, which the collector found itself
            wait_for(lambda: d.node_name in self.nodes_at_collector(), 40, interval=0.5,
                     what=f"{d.node_name} discovered through {self.b.node_name}")
            self.assertEqual(self.nodes_at_collector(), {self.a.node_name, self.b.node_name, d.node_name})
        finally:
            d.stop()


if __name__ == "__main__":
    main()
