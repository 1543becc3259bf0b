"""beamscope-collector as a service runs it: options from --config, agents
from --agents-file re-read on SIGHUP, a clean exit on SIGTERM. Two real
demo nodes with the agent, the real collector and ctl:

  - started from a config file (agents-file, listen, metrics keys) whose
    agents file lists node A: ctl through the collector shows A with A's own
    process count; B is unknown;
  - the file rewritten to list B only, SIGHUP: B appears with its own
    process count, A is gone (ctl --node A exits 2, A leaves /metrics);
  - a file with a bad line, SIGHUP: the error is logged with the line
    number, nothing changes (B still served, A still absent);
  - SIGTERM: exit 0 within 5 s, "stopped" logged;
  - a config file with an unknown key: exit 2, the key named.
"""

import os
import signal
import subprocess
import tempfile
import time
import unittest

from e2e_checks import build_dir_from_argv, main
from nodes import DemoNode, free_port, wait_for
from probes import ctl_json, run_ctl, scrape

BUILD_DIR = build_dir_from_argv()
COLLECTOR = os.path.join(BUILD_DIR, "bin", "beamscope-collector")


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)  # as an editor or config manager would


class CollectorService(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bs_service_")
        self.agents = os.path.join(self.dir, "agents")
        self.conf = os.path.join(self.dir, "collector.conf")
        self.log = os.path.join(self.dir, "collector.log")

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def count_through_collector_matches(self, listen, node):
        """ctl via the collector reports the node's own process count (within 3: erl_call's
        own process, the demo's restarts)."""
        def same():
            doc = ctl_json(BUILD_DIR, listen, "overview", node=node.node_name)
            return abs(doc["process_count"] - node.process_count()) <= 3 and doc
        return wait_for(same, 30, interval=0.5, what=f"{node.node_name}'s process count through the collector")

    def test_config_agents_file_sighup_sigterm(self):
        with DemoNode(BUILD_DIR) as a, DemoNode(BUILD_DIR) as b:
            a.start()
            b.start()
            listen = f"tcp://127.0.0.1:{free_port()}"
            metrics_url = f"http://127.0.0.1:{free_port()}/metrics"
            write(self.agents, f"# the fleet\n{a.stream_endpoint}   # node A\n")
            write(self.conf, f'agents-file = "{self.agents}"\nlisten = "{listen}"\n'
                             f'metrics = "{metrics_url[7:-8]}"\nlog-level = "info"\n')
            with open(self.log, "wb") as log:
                proc = subprocess.Popen([COLLECTOR, "--config", self.conf], stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
            try:
                self.count_through_collector_matches(listen, a)
                res = run_ctl(BUILD_DIR, ["--connect", listen, "--node", b.node_name, "overview", "--json"])
                self.assertEqual(res.rc, 2, res)

                write(self.agents, f"{b.stream_endpoint}\n")
                proc.send_signal(signal.SIGHUP)
                self.count_through_collector_matches(listen, b)
                wait_for(lambda: a.node_name not in scrape(metrics_url), 15, interval=0.3,
                         what="node A gone from the collector's /metrics")
                res = run_ctl(BUILD_DIR, ["--connect", listen, "--node", a.node_name, "overview", "--json"])
                self.assertEqual(res.rc, 2, res)
                self.assertIn("1 added, 1 removed, 1 followed", self.log_text())

                write(self.agents, f"{b.stream_endpoint}\n{a.stream_endpoint}\nnot-an-endpoint\n")
                proc.send_signal(signal.SIGHUP)
                wait_for(lambda: "agents file not applied" in self.log_text(), 10, what="the reload error logged")
                self.assertIn("line 3: not-an-endpoint", self.log_text())
                self.count_through_collector_matches(listen, b)
                self.assertNotIn(a.node_name, scrape(metrics_url))
                self.assertIsNone(proc.poll(), self.log_text())

                t0 = time.monotonic()
                proc.send_signal(signal.SIGTERM)
                rc = proc.wait(timeout=5)
                print(f"collector_service: SIGTERM to exit {time.monotonic() - t0:.2f}s")
                self.assertEqual(rc, 0, self.log_text())
                self.assertIn("SIGTERM received", self.log_text())
                self.assertTrue(self.log_text().rstrip().endswith("stopped"), self.log_text()[-500:])
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()

    def test_unknown_config_key_is_a_usage_error(self):
        write(self.conf, f'agents-file = "{self.agents}"\nlisten-on = "tcp://127.0.0.1:1"\n')
        write(self.agents, "")
        res = subprocess.run([COLLECTOR, "--config", self.conf], capture_output=True, text=True, timeout=10)
        self.assertEqual(res.returncode, 2, res)
        self.assertIn("listen-on", res.stderr)
        self.assertIn(self.conf, res.stderr)


if __name__ == "__main__":
    main()
