"""Node identity without distribution (issue 15 item 5), with real nodes,
a real collector and real ctl.

Ten `erl -noshell` nodes without a node name (each node() is nonode@nohost)
run the agent; nine keep the default node_name (auto), one sets its own.
Through one collector they are ten nodes: ten distinct `node` label values
on the collector's /metrics, each the name its agent gives on its own
/metrics, each auto name `nonode-OSPID@HOST` with the pid the node itself
reports, and ctl lists all ten and answers any one of them by name.
Python 3 stdlib only."""

import os
import signal
import socket
import subprocess
import tempfile
import unittest

from collector_proc import Collector
from e2e_checks import build_dir_from_argv, main
from nodes import free_port, to_erl, wait_for
from probes import ctl_json, run_ctl, samples, scrape

BUILD_DIR = build_dir_from_argv()
NODES = 10
CUSTOM = "edge-7@dc1"


class PlainNode:
    """An erl node without distribution running only the agent."""

    def __init__(self, workdir, index, node_name=None):
        self.stream_port, self.metrics_port = free_port(), free_port()
        while self.metrics_port == self.stream_port:
            self.metrics_port = free_port()
        self.pid_file = os.path.join(workdir, f"node{index}.pid")
        self.log = open(os.path.join(workdir, f"node{index}.log"), "wb")
        env = {"stream_endpoint": self.stream_endpoint, "metrics_listen": f"127.0.0.1:{self.metrics_port}"}
        if node_name:
            env["node_name"] = node_name
        sets = "".join(f"application:set_env(beamscope, {k}, {to_erl(v)}), " for k, v in env.items())
        boot = ("_ = application:load(beamscope), " + sets +
                f"R = application:ensure_all_started(beamscope), "
                f"file:write_file({to_erl(self.pid_file)}, io_lib:format(\"~s ~p\", [os:getpid(), R])).")
        self.proc = subprocess.Popen(["erl", "-noshell", "-eval", boot],
                                     env=dict(os.environ, ERL_LIBS=os.path.join(BUILD_DIR, "erlang")),
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @property
    def stream_endpoint(self):
        return f"tcp://127.0.0.1:{self.stream_port}"

    def started(self):
        """The node's OS pid once the agent started (raises if it failed)."""
        if self.proc.poll() is not None:
            raise RuntimeError(f"node exited with {self.proc.returncode}")
        try:
            with open(self.pid_file) as f:
                text = f.read()
        except FileNotFoundError:
            return None
        pid, _, result = text.partition(" ")
        if not result.startswith("{ok,"):
            raise RuntimeError(f"the agent did not start: {result}")
        return pid

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the VM stops cleanly on SIGTERM
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.log.close()


class NodeIdentity(unittest.TestCase):
    def test_ten_nodes_without_distribution_are_ten_nodes(self):
        workdir = tempfile.mkdtemp(prefix="bs_identity_")
        nodes = [PlainNode(workdir, i, CUSTOM if i == NODES - 1 else None) for i in range(NODES)]
        collector = None
        try:
            pids = [wait_for(n.started, 90, interval=0.2, what=f"node {i}'s agent") for i, n in enumerate(nodes)]
            host = socket.gethostname()
            expected = {f"nonode-{pid}@{host}" for pid in pids[:-1]} | {CUSTOM}
            self.assertEqual(len(expected), NODES)
            # Each agent names itself so on its own /metrics.
            for n, pid in zip(nodes, pids):
                text = scrape(f"http://127.0.0.1:{n.metrics_port}/metrics")
                got = {labels["node"] for labels, _ in samples(text, "erlang_vm_process_count")}
                self.assertEqual(got, {CUSTOM if n is nodes[-1] else f"nonode-{pid}@{host}"})

            collector = Collector(BUILD_DIR, [n.stream_endpoint for n in nodes])

            def node_labels():
                text = scrape(collector.metrics_url)
                return {labels["node"] for labels, _ in samples(text, "erlang_vm_process_count")}
            wait_for(lambda: node_labels() == expected, 60, interval=0.5, what="ten nodes at the collector")

            res = run_ctl(BUILD_DIR, ["--connect", collector.listen, "overview", "--json"])
            self.assertEqual(res.rc, 2, res)  # several nodes: pick one, and here they are
            for name in expected:
                self.assertIn(name, res.stderr)
            for name in (CUSTOM, sorted(expected)[0]):
                doc = ctl_json(BUILD_DIR, collector.listen, "overview", node=name)
                self.assertEqual(doc["node"], name)
                self.assertGreater(doc["process_count"], 20, doc)
        finally:
            if collector:
                collector.stop()
            for n in nodes:
                n.stop()


if __name__ == "__main__":
    main()
