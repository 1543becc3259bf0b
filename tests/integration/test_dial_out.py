"""Agents that dial out to a collector (issue 15 item 5), with real nodes, a
real collector and real ctl.

A node behind "no inbound connections": its agent binds no stream port at
all (stream_endpoint disabled), only /metrics, and dials the collector's
--agents-listen (collector_endpoints). It appears at the collector with the
numbers the node itself reports; a collector restarted on the same port gets
it back by itself; with CURVE, an agent whose key the collector lists gets
in, one whose key it does not is refused and counted, and the refused node
is never shown.
Python 3 stdlib only."""

import json
import os
import subprocess
import tempfile
import unittest

from collector_proc import Collector
from e2e_checks import build_dir_from_argv, main
from nodes import Atom, DemoNode, free_port, wait_for
from probes import ctl_json, run_ctl, samples, scrape

BUILD_DIR = build_dir_from_argv()


def listening_ports(os_pid):
    """TCP ports the OS process `os_pid` listens on (IPv4 and IPv6)."""
    inodes = set()
    fd_dir = f"/proc/{os_pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                cols = line.split()
                if cols[3] == "0A" and cols[9] in inodes:  # LISTEN
                    ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def metric_value(text, name, **labels):
    for got, value in samples(text, name):
        if all(got.get(k) == v for k, v in labels.items()):
            return value
    return None


def keygen(workdir, name):
    res = run_ctl(BUILD_DIR, ["keygen", os.path.join(workdir, name)])
    if res.rc != 0:
        raise RuntimeError(f"keygen failed: {res!r}")
    with open(os.path.join(workdir, name + ".pub")) as f:
        return os.path.join(workdir, name), f.read().strip().splitlines()[-1].strip()


class DialOut(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agents_port = free_port()
        cls.agents_endpoint = f"tcp://127.0.0.1:{cls.agents_port}"
        cls.collector = Collector(BUILD_DIR, [], extra_args=["--agents-listen", cls.agents_endpoint])
        cls.node = DemoNode(BUILD_DIR, agent_env={"stream_endpoint": Atom("disabled"),
                                                  "collector_endpoints": [cls.agents_endpoint]}).start()
        cls.os_pid = int(cls.node.eval("list_to_integer(os:getpid())"))

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()
        cls.collector.stop()

    def overview(self, collector=None):
        collector = collector or self.collector
        return ctl_json(BUILD_DIR, collector.listen, "overview", node=self.node.node_name)

    def wait_at_collector(self, collector=None, timeout=30):
        collector = collector or self.collector

        def seen():
            try:
                return self.overview(collector)
            except RuntimeError:
                return None
        return wait_for(seen, timeout, interval=0.5, what=f"{self.node.node_name} at the collector")

    def test_1_node_with_no_inbound_port_appears_at_the_collector(self):
        doc = self.wait_at_collector()
        self.assertEqual(doc["node"], self.node.node_name)
        # Ground truth from the VM itself, read right after: the demo fills
        # its pool at start, then stays quiet (a few processes come and go
        # between the two readings).
        def matches():
            doc, truth = self.overview(), self.node.process_count()
            return (doc, truth) if abs(doc["process_count"] - truth) <= max(10, truth // 20) else None
        doc, truth = wait_for(matches, 30, interval=1, what="the collector's process count to match the node's")
        self.assertEqual(doc["node"], self.node.node_name)

        # It binds nothing a viewer could reach: the only ports it listens on
        # are /metrics and Erlang distribution's own (epmd's registration).
        dist = int(self.node.eval(f"element(2, erl_epmd:port_please(\"{self.node.name}\", \"127.0.0.1\"))"))
        ports = listening_ports(self.os_pid)
        self.assertEqual(ports, {self.node.metrics_port, dist}, f"listening: {ports}")
        self.assertNotIn(self.node.stream_port, ports)

        # Both ends say so, on /metrics and in ctl's overview (here through the collector).
        # (The agent's first frames predate the collector's first word.)
        collectors = wait_for(lambda: (lambda c: c if c and c[0]["connected"] else None)(
            self.overview()["agent"]["collectors"]), 10, interval=0.5, what="the agent to say it is connected")
        self.assertEqual(len(collectors), 1, collectors)
        self.assertEqual(collectors[0]["endpoint"], self.agents_endpoint)
        self.assertEqual(collectors[0]["refused"], "")
        agent = scrape(self.node.metrics_url)
        self.assertEqual(metric_value(agent, "beamscope_agent_collector_connected", collector=self.agents_endpoint),
                         1.0, agent[-2000:])
        fleet = scrape(self.collector.metrics_url)
        self.assertEqual(metric_value(fleet, "beamscope_collector_dialin_agents"), 1.0)
        self.assertIsNotNone(metric_value(fleet, "erlang_vm_process_count", node=self.node.node_name))

    def test_2_collector_restarted_on_the_same_port_gets_the_node_back(self):
        self.wait_at_collector()
        before = metric_value(scrape(self.node.metrics_url), "beamscope_agent_collector_connections_total",
                              collector=self.agents_endpoint)
        self.collector.kill9()
        self.collector.stop()
        type(self).collector = Collector(BUILD_DIR, [], extra_args=["--agents-listen", self.agents_endpoint])
        doc = self.wait_at_collector(timeout=30)
        self.assertEqual(doc["node"], self.node.node_name)
        # The agent's /metrics reads its dial-out's counters at its next tick.
        after = wait_for(lambda: (lambda v: v if v and v > before else None)(
            metric_value(scrape(self.node.metrics_url), "beamscope_agent_collector_connections_total",
                         collector=self.agents_endpoint)), 10, interval=0.25, what="a second connection counted")
        self.assertEqual(after, before + 1)


class DialOutCurve(unittest.TestCase):
    """A CURVE --agents-listen with --agents-authorized-keys."""

    def test_listed_agent_gets_in_and_unlisted_one_is_refused(self):
        workdir = tempfile.mkdtemp(prefix="bs_dialout_")
        collector_key, _ = keygen(workdir, "collector")
        listed_key, listed_pub = keygen(workdir, "listed")
        unlisted_key, _ = keygen(workdir, "unlisted")
        authorized = os.path.join(workdir, "agents.keys")
        with open(authorized, "w") as f:
            f.write(listed_pub + "\n")
        endpoint = f"tcp://127.0.0.1:{free_port()}"
        collector = Collector(BUILD_DIR, [], extra_args=[
            "--agents-listen", endpoint, "--secret-key", collector_key + ".secret",
            "--agents-authorized-keys", authorized])
        nodes = []
        try:
            for key in (listed_key, unlisted_key):
                nodes.append(DemoNode(BUILD_DIR, agent_env={
                    "stream_endpoint": Atom("disabled"),
                    "stream_secret_key_file": key + ".secret",
                    "collector_endpoints": [(endpoint, collector_key + ".pub")]}).start())
            listed, unlisted = nodes

            def listed_seen():
                # The collector's key serves its viewers too: ctl needs it.
                res = run_ctl(BUILD_DIR, ["--connect", collector.listen, "--server-public-key",
                                          collector_key + ".pub", "--node", listed.node_name, "overview", "--json"])
                return json.loads(res.stdout) if res.rc == 0 else None
            try:
                doc = wait_for(listed_seen, 30, interval=0.5, what="the listed agent at the collector")
            except TimeoutError as e:
                raise AssertionError(f"{e}\n--- collector ---\n{collector.log_text()}\n--- listed node ---\n"
                                     f"{listed.log_tail(40)}") from None
            self.assertEqual(doc["node"], listed.node_name)

            wait_for(lambda: (metric_value(scrape(collector.metrics_url),
                                           "beamscope_collector_dialin_auth_failures_total") or 0) >= 1,
                     30, interval=0.5, what="the unlisted agent's refusal counted")
            fleet = scrape(collector.metrics_url)
            shown = {labels["node"] for labels, _ in samples(fleet, "erlang_vm_process_count")}
            self.assertEqual(shown, {listed.node_name}, "the refused node is never shown")
            agent = scrape(unlisted.metrics_url)
            self.assertEqual(metric_value(agent, "beamscope_agent_collector_connected", collector=endpoint), 0.0)
            # The refused agent says why in its node's log.
            wait_for(lambda: "collector_endpoints not authorized by" in unlisted.log_tail(200), 30,
                     what="the refusal in the unlisted node's log")
        finally:
            for n in nodes:
                n.stop()
            collector.stop()


class DialOutConfig(unittest.TestCase):
    def test_plaintext_to_another_machine_is_refused_with_a_hint(self):
        node = DemoNode(BUILD_DIR, start_demo=False, agent_env={
            "stream_endpoint": Atom("disabled"), "collector_endpoints": ["tcp://192.0.2.10:9758"]}).start()
        try:
            result = node.start_agent()
            self.assertIn("collector_endpoints tcp://192.0.2.10:9758", result)
            self.assertIn("plaintext", result)
        finally:
            node.stop()


if __name__ == "__main__":
    main()
